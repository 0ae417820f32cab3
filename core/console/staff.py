"""Console: staff accounts — add, reset a password (changed at the next login), disable and
enable, remove, TOTP enrolment with a QR code and TOTP reset (``console.staff.manage``).

Every change is audited with the manager's name as actor and the account as object, in the
same transaction as the change. Disabling, removing and resetting TOTP go through a
confirmation page naming the effect (:mod:`core.console.confirm`). A manager cannot disable
or remove their own account (the station would risk having no manager left).
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from core.audit.log import transaction
from core.console.confirm import confirm_page, confirmed
from core.errors import UserInputError
from core.i18n import _
from core.identity.models import StaffUser
from core.permissions import STAFF_ROLE_NAMES, requires
from core.station import current_station

staff_pages = Blueprint("staff", __name__, url_prefix="/staff")


def _actor() -> str:
    return f"staff:{flask_login.current_user.username}"


def _record(action: str, username: str, details: dict[str, Any] | None = None) -> None:
    current_station().audit.record(action, actor=_actor(), object_ref=f"staff:{username}", details=details or {})


def qr_data_uri(uri: str) -> str:
    """The TOTP provisioning URI as an SVG QR code in a ``data:`` URI (allowed by the CSP's img-src)."""
    import segno  # loaded on first use: ~50 ms of the station's start otherwise

    return segno.make(uri, error="m").svg_data_uri(scale=6, border=2)


def _view(user: StaffUser) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "roles": user.role_list,
            "active": bool(user.active), "totp": bool(user.totp_secret),
            "must_change": bool(user.must_change_password), "created": user.created_at}


def _not_self(username: str) -> None:
    if username == flask_login.current_user.username:
        raise UserInputError(_("You cannot do this to your own account; ask another manager."))


@staff_pages.route("/")
@requires("console.staff.manage")
def index() -> str:
    """Every staff account with its roles, state and TOTP, and the form to add one."""
    users = [_view(u) for u in StaffUser.select().order_by(StaffUser.username)]
    return render_template("console/staff.html", users=users, roles=STAFF_ROLE_NAMES, page="staff", error=None)


@staff_pages.route("/add", methods=["POST"])
@requires("console.staff.manage")
def add() -> Response | str | tuple[str, int]:
    """Create an account; with TOTP, show its QR code once. The first password must be changed."""
    form = request.form
    username = form.get("username", "").strip()
    roles = form.getlist("roles")
    station = current_station()
    try:
        with transaction():
            user, uri = station.staff.add(username, form.get("password", ""), roles,
                                          form.get("display_name", "").strip(), with_totp=form.get("totp") == "1")
            user.must_change_password = True
            user.save()
            _record("users.add", username, {"roles": roles, "totp": bool(uri)})
    except UserInputError as exc:
        users = [_view(u) for u in StaffUser.select().order_by(StaffUser.username)]
        return render_template("console/staff.html", users=users, roles=STAFF_ROLE_NAMES, page="staff",
                               error=str(exc)), 400
    if uri:
        return _enrolment(username, uri)
    flash(_("Account %(user)s created; the password must be changed at the first login.", user=username), "ok")
    return redirect(url_for("console.staff.index"))


def _enrolment(username: str, uri: str) -> Response:
    """The QR code page, shown once and never cached (it holds the TOTP secret)."""
    from flask import make_response

    response = make_response(render_template("console/totp_enrol.html", username=username, qr=qr_data_uri(uri),
                                             secret=uri.split("secret=")[1].split("&")[0], page="staff"))
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_pages.route("/<username>/password", methods=["POST"])
@requires("console.staff.manage")
def reset_password(username: str) -> Response:
    """Set a temporary password; the member must change it at the next login (sessions end)."""
    station = current_station()
    with transaction():
        station.staff.set_password(username, request.form.get("password", ""), must_change=True)
        _record("users.passwd", username, {"must_change": True})
    flash(_("New password set for %(user)s; it must be changed at the next login.", user=username), "ok")
    return redirect(url_for("console.staff.index"))


@staff_pages.route("/<username>/disable", methods=["GET", "POST"])
@requires("console.staff.manage")
def disable(username: str) -> Response | str:
    """Stop an account from logging in (after the confirmation page); its sessions end."""
    station = current_station()
    station.staff.get(username)
    _not_self(username)
    if not confirmed():
        return confirm_page(_("Disable %(user)s", user=username),
                            _("%(user)s can no longer log in and is logged out now. The account and its "
                              "history stay; you can enable it again later.", user=username),
                            url_for("console.staff.disable", username=username), _("Disable the account"),
                            "staff", back=url_for("console.staff.index"))
    from core.sessions import end_sessions_of

    with transaction():
        user = station.staff.disable(username)
        end_sessions_of(f"s:{user.id}")
        _record("users.disable", username)
    flash(_("%(user)s is disabled.", user=username), "ok")
    return redirect(url_for("console.staff.index"))


@staff_pages.route("/<username>/enable", methods=["POST"])
@requires("console.staff.manage")
def enable(username: str) -> Response:
    """Let a disabled account log in again."""
    with transaction():
        current_station().staff.enable(username)
        _record("users.enable", username)
    flash(_("%(user)s is enabled.", user=username), "ok")
    return redirect(url_for("console.staff.index"))


@staff_pages.route("/<username>/remove", methods=["GET", "POST"])
@requires("console.staff.manage")
def remove(username: str) -> Response | str:
    """Delete an account (after the confirmation page); the audit log keeps its name."""
    station = current_station()
    station.staff.get(username)
    _not_self(username)
    if not confirmed():
        return confirm_page(_("Remove %(user)s", user=username),
                            _("The account %(user)s is deleted and logged out now; this cannot be undone. "
                              "The audit log keeps what it did.", user=username),
                            url_for("console.staff.remove", username=username), _("Remove the account"),
                            "staff", back=url_for("console.staff.index"))
    with transaction():
        station.staff.remove(username)
        _record("users.remove", username)
    flash(_("%(user)s is removed.", user=username), "ok")
    return redirect(url_for("console.staff.index"))


@staff_pages.route("/<username>/totp", methods=["GET", "POST"])
@requires("console.staff.manage")
def totp_reset(username: str) -> Response | str:
    """A new TOTP secret with its QR code (or, with ``off=1``, no code asked any more)."""
    station = current_station()
    user = station.staff.get(username)
    off = request.values.get("off") == "1"
    if not confirmed():
        if off:
            effect = _("%(user)s will log in with the password alone (no code).", user=username)
        elif user.totp_secret:
            effect = _("The authenticator app entry of %(user)s stops working now; a new QR code is shown "
                       "once to scan.", user=username)
        else:
            effect = _("%(user)s will need a code from an authenticator app at each login; a QR code is "
                       "shown once to scan.", user=username)
        return confirm_page(_("Two-step login of %(user)s", user=username), effect,
                            url_for("console.staff.totp_reset", username=username),
                            _("Turn off the code") if off else _("Show a new QR code"), "staff",
                            fields={"off": "1"} if off else {}, back=url_for("console.staff.index"))
    with transaction():
        uri = station.staff.reset_totp(username, enabled=not off)
        _record("users.totp_reset", username, {"off": off})
    if uri:
        return _enrolment(username, uri)
    flash(_("%(user)s logs in without a code now.", user=username), "ok")
    return redirect(url_for("console.staff.index"))
