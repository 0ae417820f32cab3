"""Every request passes here: enabled? logged in? permitted? CSRF? — for core and plugin views alike.

Default deny: a view that declared no access is refused to everyone (and the station does not
start with one, see :func:`check_declared_access`), and a state change (POST, PUT, PATCH,
DELETE) without the session's CSRF token is refused anywhere. An anonymous visitor of a
staff page is sent to the staff login, of any other page to the citizen login. Refusals are
audited (rate-limited, ``core.web.refusals``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NoReturn

from flask import Flask, Request, Response, current_app, g, request, session

from core.errors import (
    LoginRequired,
    NotFoundError,
    PermissionDenied,
    StaffLoginRequired,
    StationError,
    UserInputError,
)
from core.i18n import _
from core.identity.principals import current_principal, step_up_is_fresh
from core.permissions import access_of, assurance_satisfies
from core.plugin_context import ACTING_PLUGIN
from core.station import Station, current_station
from core.web.refusals import audit_refusal

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# A visitor with no session row gets a signed double-submit token instead of a session: the
# cookie holds a random nonce, the form the HMAC of it under the station's secret key, so an
# anonymous page view writes nothing to the database (the session row appears at login,
# language choice or a form in progress).
CSRF_COOKIE = "station_csrf"
SECURE_CSRF_COOKIE = "__Host-station_csrf"


class CsrfError(StationError):
    """A state change came without the page's CSRF token."""

    http_status = 400


class StepUpRequired(StationError):
    """The action needs the citizen to verify again (card tap or VNeID)."""

    http_status = 401


class ServiceDisabled(NotFoundError):
    """The plugin serving this address is switched off at this station."""


class UndeclaredAccess(StationError):
    """A view of the station declares neither ``requires(...)`` nor ``public``."""


def csrf_token() -> str:
    """The CSRF token to put in every form: the session's, or a signed cookie token without one."""
    token = session.get("_csrf")
    if token:
        return token
    if session:  # the session is kept anyway: the token lives in it
        token = session["_csrf"] = secrets.token_urlsafe(32)
        return token
    nonce = getattr(g, "csrf_nonce", None) or _csrf_cookie_nonce()
    if nonce is None:
        nonce = g.csrf_nonce = secrets.token_urlsafe(24)
        g.csrf_nonce_is_new = True
    g.csrf_nonce = nonce
    return _signed(nonce)


def _csrf_cookie_name() -> str:
    return SECURE_CSRF_COOKIE if request.is_secure else CSRF_COOKIE


def _csrf_cookie_nonce() -> str | None:
    nonce = request.cookies.get(_csrf_cookie_name(), "")
    return nonce if 16 <= len(nonce) <= 64 else None


def _signed(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _set_csrf_cookie(response: Response) -> Response:
    if getattr(g, "csrf_nonce_is_new", False):
        response.set_cookie(_csrf_cookie_name(), g.csrf_nonce, path="/", secure=request.is_secure,
                            httponly=True, samesite="Strict")
    return response


def _token_matches(sent: str) -> bool:
    expected = session.get("_csrf") or ""
    if expected and hmac.compare_digest(sent.encode(), expected.encode()):
        return True
    nonce = _csrf_cookie_nonce()
    return nonce is not None and hmac.compare_digest(sent.encode(), _signed(nonce).encode())


def check_csrf(req: Request | None = None) -> None:
    """Refuse an unsafe request whose token does not match the session's."""
    req = req or request._get_current_object()
    if req.method not in UNSAFE_METHODS or req.routing_exception is not None:
        return  # no such route (or method): let it answer 404/405, there is nothing to protect
    view = current_app.view_functions.get(req.endpoint or "")
    access = access_of(view)
    if access is not None and access.is_public and not access.csrf:
        return
    sent = req.form.get(CSRF_FIELD) or req.headers.get(CSRF_HEADER) or ""
    if not sent or not _token_matches(sent):
        audit_refusal("csrf", _plugin_of_request())
        raise CsrfError(_("This form has expired or did not come from this station. "
                          "Please go back and try again."))


def is_static_endpoint(endpoint: str) -> bool:
    """Flask's own static-file views (the app's and each blueprint's) are public by nature."""
    return endpoint == "static" or endpoint.endswith(".static")


def _plugin_of_request() -> str:
    blueprint = (request.blueprint or "").split(".")[0]
    return blueprint if blueprint in current_station().plugins.records else "core"


def _refuse(error: StationError, reason: str, plugin: str) -> NoReturn:
    audit_refusal(reason, plugin)
    raise error


def check_access(req: Request | None = None, station: Station | None = None) -> None:
    """Enforce the declared access of every view, core or plugin (default deny)."""
    req = req or request._get_current_object()
    endpoint = req.endpoint
    if endpoint is None or is_static_endpoint(endpoint):
        return  # no route matched (→ 404) or a static file
    station = station or current_station()
    record = station.plugins.records.get(_top_blueprint(endpoint))
    plugin = record.id if record is not None else "core"
    if record is not None and not record.enabled:
        _refuse(ServiceDisabled(_("This service is not enabled at this station.")), "disabled", plugin)
    access = access_of(current_app.view_functions.get(endpoint))
    if access is None:
        _refuse(PermissionDenied(_("This page has not declared who may use it, so nobody may (default deny).")),
                "undeclared", plugin)
    if access.is_public:
        return
    user = current_principal()
    audience = station.policy.audience(access.permission)
    if not user.is_authenticated:
        if audience == "staff":
            raise StaffLoginRequired(_("Please log in as staff first."))
        raise LoginRequired(_("Please identify yourself with your chip ID card or the VNeID app first."))
    if audience == "staff" and user.kind != "staff":
        _refuse(PermissionDenied(_("This page is for station staff. Please finish your session and let "
                                   "a staff member log in.")), "staff_page", plugin)
    if audience == "citizen" and user.kind != "citizen":
        _refuse(PermissionDenied(_("This page is for citizens at the kiosk, not for staff accounts. "
                                   "Please log out of the staff account first.")), "citizen_page", plugin)
    if not station.policy.allows(user.roles, access.permission):
        _refuse(PermissionDenied(_("You do not have permission to use this page.")), "permission", plugin)
    manifest_level = record.manifest.min_assurance if record is not None and record.manifest else None
    needed = access.assurance or (manifest_level if user.kind == "citizen" else None)
    if user.kind == "citizen" and not assurance_satisfies(user.assurance, needed):
        _refuse(PermissionDenied(_("This service needs a stronger identity check: please log in with your "
                                   "chip ID card or a level 2 VNeID account.")), "assurance", plugin)
    window = station.config.sessions["step_up_seconds"] if access.step_up is True else int(access.step_up)
    # the re-verification must reach what the page needs, and never less than the login did
    step_up_needed = needed if assurance_satisfies(needed, user.assurance) else user.assurance
    if access.step_up and not step_up_is_fresh(window, step_up_needed if user.kind == "citizen" else None):
        raise StepUpRequired(_("Please confirm it is you again (tap your ID card or approve in VNeID)."))


def undeclared_endpoints(app: Flask) -> list[str]:
    """Endpoints of ``app`` whose view declares no access (static files excepted)."""
    return sorted(endpoint for endpoint, view in app.view_functions.items()
                  if not is_static_endpoint(endpoint) and access_of(view) is None)


def check_declared_access(app: Flask) -> None:
    """Refuse to start when a view of the station declares no access (``requires`` or ``public``)."""
    missing = undeclared_endpoints(app)
    if missing:
        raise UndeclaredAccess("these views declare no access (use requires(...) or public): " + ", ".join(missing))


def _top_blueprint(endpoint: str | None) -> str:
    """The top-level blueprint of an endpoint (``healthcare`` for ``healthcare.kiosk.start``)."""
    blueprint, dot, _view = (endpoint or "").partition(".")
    return blueprint if dot else ""


def enter_plugin(req: Request | None = None, station: Station | None = None) -> None:
    """A request dispatched into a plugin's blueprint runs as that plugin (see core.plugin_context)."""
    blueprint = _top_blueprint((req or request._get_current_object()).endpoint)
    if blueprint and blueprint in (station or current_station()).plugins.records:
        g._acting_plugin_token = ACTING_PLUGIN.set(blueprint)


def leave_plugin(_: BaseException | None = None) -> None:
    token = g.pop("_acting_plugin_token", None)
    if token is not None:
        try:
            ACTING_PLUGIN.reset(token)
        except ValueError:  # reset from another context: the request's context ends anyway
            ACTING_PLUGIN.set(None)


def refuse_nul_bytes(req: Request | None = None) -> None:
    """A NUL byte in a query or form field is never meaningful: refuse it with a 400 here, once,
    instead of letting PostgreSQL fail on it deep inside a view (a 500)."""
    req = req or request._get_current_object()
    if req.method not in UNSAFE_METHODS and not req.query_string:
        return
    sources = [req.args, req.form] if req.method in UNSAFE_METHODS else [req.args]
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise UserInputError(_("The form contains characters that are not allowed."))


def guard_request() -> None:
    """The guard's checks in their order, as one before-request function (Flask wraps each one
    it calls, so one instead of four is measurably cheaper on every request). The request and
    the station are looked up once here and handed on, not found again by each check."""
    req = request._get_current_object()
    station = current_station()
    enter_plugin(req, station)
    refuse_nul_bytes(req)
    check_csrf(req)
    check_access(req, station)


def install_guard(app: Flask) -> None:
    """Run the checks before every request and offer ``csrf_token()`` to templates."""
    app.before_request(guard_request)
    app.teardown_request(leave_plugin)
    app.after_request(_set_csrf_cookie)
    app.jinja_env.globals["csrf_token"] = csrf_token
