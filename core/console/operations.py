"""Console: the station manager's operations that used to need a shell on the kiosk PC.

* payments — the open UNKNOWN payments and "reconcile now" (asks the terminal or bank; never charges);
* privacy purge — a dry run counts what would go, then a confirmation page names it;
* key rotation — confirmed, then the same ``rotate_kek`` as ``station keys rotate``;
* audit export for an inspector — a date range (days in the station's time zone) as CSV or as
  a printable page, both with the newest signed checkpoint and the verifier key;
* backup — ``core.backup.service.backup`` into ``<home>/backups``.

Every action is audited with the staff member as actor (the services record it, or this
module does, in the same transaction as the change).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import flask_login
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from core.audit.log import transaction
from core.console.confirm import confirm_page, confirmed
from core.errors import UserInputError
from core.formatting import DEFAULT_ZONE, format_timestamp, station_time
from core.i18n import _, current_language
from core.permissions import requires
from core.station import current_station

operation_pages = Blueprint("operations", __name__, url_prefix="/operations")


def _actor() -> str:
    return f"staff:{flask_login.current_user.username}"


def _zone() -> str:
    return current_station().config.site.get("timezone") or DEFAULT_ZONE


@operation_pages.route("/")
@requires("console.operations")
def index() -> str:
    """The operations page: payments to settle, purge, keys, audit export, backup."""
    from core.payments.models import PaymentRecord
    from core.privacy.retention import retention_from_config

    station = current_station()
    from core.lists import paginate

    pager = paginate(PaymentRecord.select().where(PaymentRecord.state == "UNKNOWN").order_by(PaymentRecord.id))
    payments = [{"number": p.id, "plugin": p.plugin, "amount": int(p.amount_vnd), "method": p.method or "-",
                 "since": p.updated_at} for p in pager.items]
    today = station_time(station.clock(), _zone())
    return render_template("console/operations.html", page="operations", payments=payments, pager=pager,
                           retention=sorted(retention_from_config(station.config).items()),
                           today=today.date().isoformat() if isinstance(today, datetime) else "",
                           backups=_backups())


def _backups() -> list[str]:
    folder = current_station().config.home / "backups"
    return sorted((p.name for p in folder.iterdir() if p.is_dir()), reverse=True)[:5] if folder.is_dir() else []


# ---- payments --------------------------------------------------------------------------

@operation_pages.route("/reconcile", methods=["POST"])
@requires("console.operations")
def reconcile_now() -> Response:
    """Ask the terminal or bank about every UNKNOWN payment now (settles, never charges)."""
    from core.payments.reconcile import reconcile

    report = reconcile(current_app.extensions["payments"], actor=_actor())
    flash(_("Reconciled: %(ok)s succeeded, %(failed)s failed, %(unknown)s still unknown (the terminal or bank "
            "did not answer; try again later).", ok=len(report.succeeded), failed=len(report.failed),
            unknown=len(report.still_unknown)), "warn" if report.still_unknown else "ok")
    return redirect(url_for("console.operations.index"))


# ---- privacy purge ---------------------------------------------------------------------

@operation_pages.route("/purge", methods=["GET", "POST"])
@requires("console.operations")
def purge_page() -> Response | str:
    """A dry run first: the confirmation page names how many records of each kind go."""
    from core.privacy.retention import purge, retention_from_config

    station = current_station()
    periods = retention_from_config(station.config)
    if not periods:
        raise UserInputError(_("No retention periods are configured ([privacy] retention_days in station.toml)."))
    if not confirmed():
        dry = purge(periods, station.clock(), dry_run=True, actor=_actor())
        counts = "; ".join(_("%(category)s: %(count)s record(s) older than %(days)s days",
                             category=c, count=dry.deleted.get(c, 0), days=d) for c, d in sorted(periods.items()))
        return confirm_page(_("Purge personal data"),
                            _("Deleted for good, with no way back: %(counts)s.", counts=counts),
                            url_for("console.operations.purge_page"), _("Delete these records"), "operations",
                            back=url_for("console.operations.index"))
    report = purge(periods, station.clock(), dry_run=False, actor=_actor())
    flash(_("Purged %(count)s record(s).", count=sum(report.deleted.values())), "ok")
    return redirect(url_for("console.operations.index"))


# ---- key rotation ----------------------------------------------------------------------

@operation_pages.route("/keys-rotate", methods=["GET", "POST"])
@requires("console.operations")
def keys_rotate() -> Response | str:
    """Replace the key-encryption key (confirmed first); tell the manager to back it up."""
    from core.privacy.keys import rotate_kek

    station = current_station()
    if not confirmed():
        return confirm_page(_("Rotate the key-encryption key"),
                            _("A new key replaces the key-encryption key: every citizen data key and every staff "
                              "TOTP secret is re-sealed under it and the old key is deleted. A backup of the old "
                              "secrets/data.kek can no longer open the data: back up the new key right after."),
                            url_for("console.operations.keys_rotate"), _("Rotate the key now"), "operations",
                            back=url_for("console.operations.index"))

    def record_audit(action: str, details: dict[str, Any]) -> None:
        station.audit.record(action, actor=_actor(), object_ref="kek", details=details)

    report = rotate_kek(station.config.secrets_dir, record_audit)
    flash(_("The key is rotated (%(keys)s data key(s) re-wrapped). Back up the new key now: copy %(path)s to the "
            "station's key backup.", keys=report.rewrapped, path=str(station.config.secrets_dir / "data.kek")),
          "warn")
    return redirect(url_for("console.operations.index"))


# ---- backup ----------------------------------------------------------------------------

@operation_pages.route("/backup", methods=["POST"])
@requires("console.operations")
def backup_now() -> Response:
    """A consistent snapshot of the database into ``<home>/backups`` (secrets are not included)."""
    from core.backup.service import backup

    station = current_station()
    folder = backup(station.config, station.config.home / "backups")
    with transaction():
        station.audit.record("station.backup", actor=_actor(), object_ref=f"backup:{folder.name}")
    flash(_("Backup written to %(folder)s. Copy it off the station; the secrets folder is not in it.",
            folder=str(folder)), "ok")
    return redirect(url_for("console.operations.index"))


# ---- audit export ----------------------------------------------------------------------

EXPORT_COLUMNS = ("index", "time_local", "time_utc", "actor", "action", "plugin", "object", "outcome", "details")


def _day(name: str) -> date:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise UserInputError(_("Give the %(field)s day as a date (yyyy-mm-dd).", field=name)) from None


def export_rows(since: date, until: date, zone: str, lang: str) -> list[dict[str, Any]]:
    """Entries whose local day (in ``zone``) is within ``since``..``until``, in log order."""
    station = current_station()
    rows = []
    for leaf in station.audit.export():
        entry = json.loads(leaf)
        local = station_time(entry.get("time"), zone)
        if not isinstance(local, datetime) or not since <= local.date() <= until:
            continue
        rows.append({"index": entry.get("i"), "time_local": format_timestamp(local, lang, zone),
                     "time_utc": entry.get("time"), "actor": entry.get("actor"), "action": entry.get("action"),
                     "plugin": entry.get("plugin"), "object": entry.get("object") or "",
                     "outcome": entry.get("outcome"),
                     "details": json.dumps(entry.get("details") or {}, ensure_ascii=False, sort_keys=True)})
    return rows


def _export_context() -> dict[str, Any]:
    since, until = _day("since"), _day("until")
    if until < since:
        raise UserInputError(_("The last day is before the first day."))
    station = current_station()
    zone = _zone()
    with transaction():
        station.audit.record("audit.export", actor=_actor(), object_ref="audit-log",
                             details={"since": since.isoformat(), "until": until.isoformat(),
                                      "format": request.args.get("format", "html")})
    lang = "vi" if request.args.get("format") == "csv" else current_language()  # CSV: dd/mm/yyyy HH:mm:ss always
    return {"since": since, "until": until, "zone": zone, "rows": export_rows(since, until, zone, lang),
            "checkpoint": station.audit.checkpoint(), "pubkey": station.audit.verifier_key().encode(),
            "site": station.config.site_id}


@operation_pages.route("/audit-export")
@requires("console.audit.view")
def audit_export() -> Response | str:
    """The entries of a date range for an inspector: ``format=csv`` or a printable page."""
    context = _export_context()
    if request.args.get("format") == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # so spreadsheet programs read the Vietnamese text as UTF-8
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writerow({c: c for c in EXPORT_COLUMNS})
        writer.writerows(context["rows"])
        name = f"audit-{context['site']}-{context['since']}-{context['until']}.csv"
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("console/audit_export.html", page="audit", **context)
