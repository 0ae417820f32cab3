"""The take-home pages: the kiosk's QR page and the phone's download (see ``core.take_home``).

``phone_link_page(kind)`` is what a kiosk view returns (the caller's own ``requires(...)``
guards it): a new link's QR code at the station's public URL, when it expires, a button to
print a summary instead (a POST to the same page, CSRF-checked) and the way back. The phone
opens ``/take-home/<token>``, which needs no login — the token is the permission — and
produces the document for the link's citizen only.
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import Blueprint, Response, g, render_template, request, url_for

from core.audit.api import record as audit_record
from core.audit.log import transaction
from core.config import public_base_url
from core.devices import DeviceUnavailable
from core.errors import LoginRequired
from core.i18n import current_language
from core.payments.qr_render import qr_svg
from core.permissions import public
from core.plugin_context import acting_as
from core.privacy.access_log import BASIS_SUBJECT_REQUEST, access_context, record_access
from core.station import current_station
from core.take_home import Kind, issue, kind_named, redeem

take_home = Blueprint("take_home", __name__, url_prefix="/take-home")


def _citizen_id() -> int:
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "citizen":
        raise LoginRequired("Please identify yourself first.")
    return int(user.citizen_id)


def phone_url(token: str) -> str:
    """The link as the phone opens it: the station's public URL, never the request's Host."""
    config = current_station().config
    return public_base_url(config) + url_for("take_home.open_link", token=token)


def print_summary(kind: Kind, citizen_id: int) -> None:
    """Print the kind's summary on the receipt printer (DeviceUnavailable when it cannot)."""
    from hal.protocols.receipt_printer import Receipt

    if kind.summary is None:
        raise LookupError(f"{kind.name} has no printed summary")
    receipt = Receipt()
    lines = list(kind.summary(citizen_id))
    for index, line in enumerate(lines):
        text = f"{line[0]}: {line[1]}" if isinstance(line, tuple) else str(line)
        receipt.line(text, bold=index == 0, align="center" if index == 0 else "left")
    receipt.feed(3).cut()
    current_station().devices.use("receipt_printer", lambda printer: printer.print_receipt(receipt))
    with transaction():
        audit_record("take_home.printed", plugin=kind.plugin_id, object_ref=f"citizen:{citizen_id}",
                     details={"kind": kind.name})


def phone_link_page(kind_name: str, back: str | None = None) -> tuple[str, int]:
    """The kiosk page for ``kind_name``: a fresh QR link for the phone, and a printed summary
    when the citizen asks (POST ``take_home=print`` to the same page)."""
    kind = kind_named(kind_name)
    citizen_id = _citizen_id()
    printed, problem, status = False, None, 200
    if request.method == "POST" and request.form.get("take_home") == "print" and kind.summary is not None:
        try:
            print_summary(kind, citizen_id)
            printed = True
        except DeviceUnavailable as exc:
            problem, status = str(exc), 409
    with transaction():
        link = issue(kind.name, citizen_id, current_language())
        audit_record("take_home.issued", plugin=kind.plugin_id, object_ref=f"take_home:{link.row.id}",
                     details={"kind": kind.name, "minutes": kind.minutes})
    url = phone_url(link.token)
    return render_template("take_home.html", kind=kind, qr=qr_svg(url, scale=8), link_url=url,
                           expires_at=link.expires_at, minutes=kind.minutes, printable=kind.summary is not None,
                           printed=printed, problem=problem, back=back or url_for("shell.home")), status


@take_home.get("/<token>")
@public
def open_link(token: str) -> Response:
    """The phone opens the link: the document of the link's citizen, recorded in their access log."""
    kind, row = redeem(token)
    g._station_language = row.language if row.language in ("vi", "en") else "vi"
    accessor = f"citizen:{row.citizen_id}"
    purpose = {"vi": f"Bạn mở trên điện thoại: {kind.title_vi}", "en": f"You opened on your phone: {kind.title_en}"}
    with acting_as(None if kind.plugin_id == "core" else kind.plugin_id), \
            access_context(purpose, basis=BASIS_SUBJECT_REQUEST, accessor=accessor):
        with transaction():
            document = kind.produce(row.citizen_id)
            record_access(row.citizen_id, kind.plugin_id, kind.category, "take_home_links", purpose, accessor=accessor)
            row.opened += 1
            row.save()
            audit_record("take_home.opened", plugin=kind.plugin_id, object_ref=f"take_home:{row.id}",
                         actor=accessor, details={"kind": kind.name, "times": row.opened})
    response = Response(document.body, mimetype=document.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def install_take_home(app: Any) -> None:
    """Mount the phone's endpoint."""
    app.register_blueprint(take_home)
