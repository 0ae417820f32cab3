"""Every request to a plugin route passes here: enabled? logged in? permitted? CSRF?

Default deny: a plugin view that declared no access is refused to everyone, and a state
change (POST, PUT, PATCH, DELETE) without the session's CSRF token is refused anywhere.
"""

from __future__ import annotations

import hmac
import secrets

import flask_login
from flask import Flask, abort, current_app, request, session

from core.errors import LoginRequired, PermissionDenied, StationError
from core.i18n import _
from core.identity.principals import step_up_is_fresh
from core.permissions import access_of, assurance_satisfies
from core.station import current_station

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class CsrfError(StationError):
    """A state change came without the page's CSRF token."""

    http_status = 400


class StepUpRequired(StationError):
    """The action needs the citizen to verify again (card tap or VNeID)."""

    http_status = 401


def csrf_token() -> str:
    """The session's CSRF token (created on first use); put it in every form."""
    token = session.get("_csrf")
    if not token:
        token = session["_csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse an unsafe request whose token does not match the session's."""
    if request.method not in UNSAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    access = access_of(view)
    if access is not None and access.is_public and not access.csrf:
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("_csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError(_("This form has expired or did not come from this station. "
                          "Please go back and try again."))


def check_plugin_access() -> None:
    """Enforce plugin state and the view's declared access for ``/s/<plugin>/...``."""
    blueprint = (request.blueprint or "").split(".")[0]
    station = current_station()
    record = station.plugins.records.get(blueprint)
    if record is None or record.blueprints == []:
        return
    if not record.enabled:
        abort(404, description=_("This service is not enabled at this station."))
    access = access_of(current_app.view_functions.get(request.endpoint or ""))
    if access is None:
        raise PermissionDenied(_("This page has not declared who may use it, so nobody may (default deny)."))
    if access.is_public:
        return
    user = flask_login.current_user
    if not user.is_authenticated:
        raise LoginRequired(_("Please identify yourself with your chip ID card or the VNeID app first."))
    if not station.policy.allows(user.roles, access.permission):
        raise PermissionDenied(_("You do not have permission to use this page."))
    needed = access.assurance or (record.manifest.min_assurance if user.kind == "citizen" else None)
    if user.kind == "citizen" and not assurance_satisfies(user.assurance, needed):
        raise PermissionDenied(_("This service needs a stronger identity check: please log in with your "
                                 "chip ID card or a level 2 VNeID account."))
    window = station.config.sessions["step_up_seconds"] if access.step_up is True else int(access.step_up)
    if access.step_up and not step_up_is_fresh(window):
        raise StepUpRequired(_("Please confirm it is you again (tap your ID card or approve in VNeID)."))


def install_guard(app: Flask) -> None:
    """Run the checks before every request and offer ``csrf_token()`` to templates."""
    app.before_request(check_csrf)
    app.before_request(check_plugin_access)
    app.jinja_env.globals["csrf_token"] = csrf_token
