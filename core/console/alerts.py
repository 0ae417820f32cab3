"""Console: manager alerts — time (station time zone), what raised them (device or service),
the receipt or payment concerned, "Reprint" for a receipt that did not print, "Resolved".

A successful reprint resolves the receipt's alerts by itself (``PaymentService.print_receipt``,
audited with the staff member's name); a failed one says why and leaves the alert open.
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for

from core.i18n import _
from core.permissions import requires

alert_pages = Blueprint("alerts", __name__, url_prefix="/alerts")

SOURCES = {"printer": ("Máy in biên lai", "Receipt printer"), "payments": ("Thanh toán", "Payments"),
           "core": ("Trạm", "Station"), "station": ("Ki-ốt (người dùng gọi)", "Kiosk (call button)")}


def _actor() -> str:
    return f"staff:{flask_login.current_user.username}"


def alert_row(alert: Any) -> dict[str, Any]:
    """What the list shows of one alert, with the receipt's payment when it is about a receipt."""
    from core.payments.models import ReceiptRecord

    row = alert.as_dict()
    row["source_names"] = SOURCES.get(alert.source, (alert.source, alert.source))
    row["payment"] = None
    ref = alert.object_ref or ""
    if ref.startswith("receipt:"):
        receipt = ReceiptRecord.get_or_none(ReceiptRecord.number == ref.split(":", 1)[1])
        row["payment"] = receipt.payment_id if receipt is not None else None
        row["receipt"] = ref.split(":", 1)[1]
    elif ref.startswith("payment:"):
        row["payment_number"] = ref.split(":", 1)[1]
    elif ref.startswith("help:"):
        row["object"] = ""  # a random session reference: nothing for the manager to act on
    return row


@alert_pages.route("/")
@requires("payments.alerts")
def index() -> str:
    """Open alerts, newest first."""
    from core.lists import paginate
    from core.payments.models import ManagerAlert

    pager = paginate(ManagerAlert.select().where(ManagerAlert.resolved_at.is_null()).order_by(ManagerAlert.id.desc()))
    return render_template("console/alerts.html", alerts=[alert_row(a) for a in pager.items], pager=pager,
                           page="alerts")


@alert_pages.route("/<int:alert_id>/reprint", methods=["POST"])
@requires("payments.alerts")
def reprint(alert_id: int) -> Response:
    """Print the alert's receipt again; success resolves the alert."""
    from core.payments.models import ManagerAlert

    alert = ManagerAlert.get_or_none(ManagerAlert.id == alert_id)
    row = alert_row(alert) if alert is not None else None
    if row is None or not row.get("payment"):
        from core.errors import NotFoundError

        raise NotFoundError(_("This alert has no receipt to print."))
    receipt = current_app.extensions["payments"].print_receipt(row["payment"], _actor())
    if receipt.print_state == "printed":
        flash(_("Receipt %(number)s printed; the alert is resolved.", number=row["receipt"]), "ok")
    else:
        flash(_("Receipt %(number)s did not print (%(why)s); check the printer and try again.",
                number=row["receipt"], why=receipt.print_error or receipt.print_state), "warn")
    return redirect(url_for("console.alerts.index"))


@alert_pages.route("/<int:alert_id>/resolve", methods=["POST"])
@requires("payments.alerts")
def resolve(alert_id: int) -> Response:
    """Mark an alert as dealt with (audited)."""
    current_app.extensions["payments"].resolve_alert(alert_id, _actor())
    flash(_("Alert resolved."), "ok")
    return redirect(url_for("console.alerts.index"))
