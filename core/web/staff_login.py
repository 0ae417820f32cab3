"""Staff login and logout (username, password, optional TOTP code)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from core.audit.api import record
from core.audit.log import transaction
from core.identity.principals import login_staff, logout
from core.identity.staff import LoginFailed
from core.permissions import public
from core.station import current_station
from core.web.redirects import safe_next

staff = Blueprint("staff", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    return safe_next(target, url_for("console.index"))


@staff.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    """The staff login form; a failure answers with one generic message."""
    if request.method == "GET":
        return render_template("staff_login.html", error=None, next=safe_next(request.args.get("next"), ""))
    username = request.form.get("username", "").strip()
    station = current_station()
    try:
        user = station.staff.authenticate(username, request.form.get("password", ""),
                                          request.form.get("code", ""), request.remote_addr or "-")
    except LoginFailed as exc:
        _record_failure(station, username, exc)
        return render_template("staff_login.html", error=login_error_text(exc),
                               next=safe_next(request.form.get("next"), "")), 401
    with transaction():
        login_staff(user)
        record("staff.login", actor=f"staff:{user.username}", object_ref=f"staff:{user.username}")
    return redirect(_safe_next(request.form.get("next")))


def login_error_text(failure: LoginFailed) -> str:
    """The one generic message (in the page's language); a throttled attempt says how long to wait."""
    from core.i18n import _

    if failure.reason == "throttled":
        return _("Too many failed attempts. Please wait %(seconds)s seconds and try again.",
                 seconds=failure.wait_seconds)
    return _("Wrong username, password or code.")


def _record_failure(station: object, username: str, failure: LoginFailed) -> None:
    """Audit a refused login with the account (when it exists) and the reason; when the
    failures lock the account or address out, raise a manager alert.

    A name that is no account is not written down: people type passwords into that field.
    """
    account = f"staff:{username}" if failure.account_exists else "staff-login"
    with transaction():
        record("staff.login", actor="anonymous", outcome="refused", object_ref=account,
               details={"reason": failure.reason})
    if failure.reason != "throttled" and station.staff.throttle.wait_seconds(username, request.remote_addr or "-") > 0:
        who = f"tài khoản {username}" if failure.account_exists else "một tên đăng nhập không tồn tại"
        who_en = f"account {username}" if failure.account_exists else "an unknown user name"
        current_app.extensions["payments"].alert(
            "core", "staff.login_failures", account,
            f"Nhiều lần đăng nhập nhân viên sai liên tiếp ({who}); đăng nhập tạm bị khóa.",
            f"Repeated failed staff logins ({who_en}); logins are paused for a while.")


@staff.route("/logout", methods=["POST"])
@public
def staff_logout() -> Response:
    """End the staff session and wipe the browser's copy."""
    logout()
    response = redirect(url_for("staff.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
