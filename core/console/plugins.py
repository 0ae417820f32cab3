"""Console: plugins — state, publisher, version, permissions, device needs, data categories;
enable/disable (through ``PluginManager.set_enabled``, which audits); per-plugin settings."""

from __future__ import annotations

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

from core.console.settings import save_settings, settings_fields
from core.errors import UserInputError
from core.i18n import _, current_language
from core.permissions import requires
from core.plugins import PluginRecord, State
from core.station import current_station
from core.tiles import localized

plugin_pages = Blueprint("plugins", __name__, url_prefix="/plugins")

CANNOT_ENABLE = (State.INVALID, State.INCOMPATIBLE, State.MISSING_DEVICE)
RESTART_HOOK = "STATION_RESTART"  # app.config: a callable that restarts the station, if the runner offers one


def needs_restart(record: PluginRecord) -> bool:
    """Enabled for the site but not loaded in this process: it starts at the next restart."""
    return record.enabled and record.state is State.DISABLED and not record.blueprints and not record.reasons


def plugin_view(record: PluginRecord, lang: str) -> dict[str, Any]:
    """What the plugins page shows about one plugin (no personal data)."""
    m = record.manifest
    return {
        "id": record.id, "state": record.state.value, "enabled": record.enabled, "source": record.source,
        "name": localized(m.name, lang) if m else record.id,
        "version": m.version if m else None, "publisher": m.publisher if m else None,
        "category": m.category if m else None, "reasons": list(record.reasons),
        "permissions": [{"id": p["id"], "text": localized(p["description"], lang),
                         "roles": p["default_roles"]} for p in (m.permissions if m else [])],
        "devices": [{"kind": d["kind"], "required": d["required"]} for d in (m.devices if m else [])],
        "data": [{"category": d["category"], "purpose": localized(d["purpose"], lang)} for d in (m.data if m else [])],
        "has_settings": bool(m and m.settings),
        "can_enable": record.state not in CANNOT_ENABLE,
        "restart_required": needs_restart(record),
        "running": record.state is State.ACTIVE and record.enabled,
        "signed": record.signed, "signature": record.signature,
        "signed_by": record.signature.removeprefix("signed by ") if record.signature.startswith("signed by ") else "",
    }


def _actor() -> str:
    return f"staff:{flask_login.current_user.username}"


@plugin_pages.route("/")
@requires("console.plugins.view")
def index() -> str:
    """Every plugin with its state, what it wants, and the switch."""
    station = current_station()
    lang = current_language()
    plugins = [plugin_view(r, lang) for r in sorted(station.plugins.records.values(), key=lambda r: r.id)]
    unsigned_allowed = station.config.allow_unsigned
    return render_template("console/plugins.html", plugins=plugins, page="plugins", unsigned_allowed=unsigned_allowed,
                           unsigned_running=[p["id"] for p in plugins if not p["signed"] and p["running"]],
                           restart_available=callable(current_app.config.get(RESTART_HOOK)),
                           any_restart=any(p["restart_required"] for p in plugins))


@plugin_pages.route("/<plugin_id>/enable", methods=["POST"])
@requires("console.plugins.change")
def enable(plugin_id: str) -> Response:
    """Switch a plugin on for this site (refused, with the reason, when it cannot run)."""
    return _switch(plugin_id, True)


@plugin_pages.route("/<plugin_id>/disable", methods=["POST"])
@requires("console.plugins.change")
def disable(plugin_id: str) -> Response:
    """Switch a plugin off for this site (its routes answer 404 and its tile goes at once)."""
    return _switch(plugin_id, False)


def _switch(plugin_id: str, enabled: bool) -> Response:
    station = current_station()
    record = station.plugins.set_enabled(plugin_id, enabled, actor=_actor())
    if needs_restart(record):
        flash(_("%(plugin)s is enabled. It starts after the station restarts.", plugin=plugin_id), "warn")
    elif enabled:
        flash(_("%(plugin)s is enabled.", plugin=plugin_id), "ok")
    else:
        flash(_("%(plugin)s is disabled.", plugin=plugin_id), "ok")
    return redirect(url_for("console.plugins.index") + f"#plugin-{plugin_id}")


@plugin_pages.route("/restart", methods=["POST"])
@requires("console.plugins.change")
def restart() -> Response:
    """Restart the station process when the runner offers it (``station run``)."""
    hook = current_app.config.get(RESTART_HOOK)
    if not callable(hook):
        raise UserInputError(_("This station cannot restart itself; restart its service "
                               "(for example `systemctl restart citizen-station`)."))
    station = current_station()
    from core.audit.log import transaction

    with transaction():
        station.audit.record("station.restart", actor=_actor(), object_ref=f"site:{station.config.site_id}")
    hook()
    flash(_("The station is restarting; this page reloads in a few seconds."), "ok")
    return redirect(url_for("console.plugins.index"))


@plugin_pages.route("/<plugin_id>/settings", methods=["GET", "POST"])
@requires("console.plugins.view")
def settings(plugin_id: str) -> Response | str | tuple[str, int]:
    """The plugin's settings form, generated from its manifest (and its settings_schema)."""
    station = current_station()
    record = station.plugins.get(plugin_id)
    lang = current_language()
    error = None
    if request.method == "POST":
        if not _may_change():
            from core.errors import PermissionDenied

            raise PermissionDenied(_("Your role may not do this in the console."))
        try:
            save_settings(station, record, request.form, _actor())
        except UserInputError as exc:
            error = str(exc)
        else:
            flash(_("Settings of %(plugin)s saved.", plugin=plugin_id), "ok")
            return redirect(url_for("console.plugins.settings", plugin_id=plugin_id))
    current = dict(station.settings.get(record.id) or (station.info_for(record).settings if record.manifest else {}))
    if error:
        current.update({k: v for k, v in request.form.items() if k != "csrf_token"})
    fields = settings_fields(record, current, lang)
    page = render_template("console/plugin_settings.html", plugin=plugin_view(record, lang), fields=fields,
                           error=error, page="plugins")
    return (page, 400) if error else page


def _may_change() -> bool:
    from core.console.access import may

    return may("plugins.change")
