"""The one place that turns errors into HTTP responses: a friendly page or JSON, never a trace.

No dead ends at the kiosk: every error page offers "back to where I was" (the page the
citizen came from on this station), and an error that the citizen can resolve on the spot is
resolved on the spot — a missing consent is asked for on the error page itself and the grant
returns to the same page; a missing login or re-verification links to it and comes back.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from core.errors import StationError
from core.i18n import _, current_language
from core.web.redirects import is_same_site_path

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """JSON for API clients and monitoring; HTML for the kiosk browser."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith(("/api/", "/healthz", "/audit/")) or best == "application/json" or request.is_json


def local_path(url: str | None) -> str | None:
    """``url`` as a path on this station (same host), or None for anything else."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme and parsed.scheme not in ("http", "https"):
        return None
    if parsed.netloc and parsed.netloc != request.host:
        return None
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    return path if is_same_site_path(path) else None


def sent_from() -> str | None:
    """The page a form was sent from, as the form says (``_from``, a same-site path).

    The station sends ``Referrer-Policy: no-referrer``, so a form carries its page itself: the
    ``sdk/ui.html`` form macro writes the field and ``station.js`` adds it to every other form.
    """
    if request.method in ("GET", "HEAD"):
        return None
    try:
        value = request.form.get("_from")
    except Exception:  # noqa: BLE001 — a body too large or malformed: no origin, not a second error
        return None
    return value if value and is_same_site_path(value) else None


def back_url() -> str | None:
    """Where the citizen was before this page: the page the form was sent from, else the
    referring page on this station (when a browser sends one), if known."""
    here = request.full_path.rstrip("?")
    for came_from in (sent_from(), local_path(request.referrer)):
        if came_from and (came_from != here or request.method not in ("GET", "HEAD")):
            return came_from
    return None


def section_start() -> str:
    """The start page of the part of the station this request is in (``/s/<plugin>/``,
    ``/my-data/``, ``/pay/`` → home), the "back" of an error page with no known referrer."""
    parts = [p for p in request.path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "s":
        candidate = f"/s/{parts[1]}/"
    elif parts and parts[0] in ("my-data", "console"):
        candidate = f"/{parts[0]}/"
    else:
        return url_for("shell.home")
    here = request.path if request.path.endswith("/") else request.path + "/"
    if candidate == here or not is_same_site_path(candidate) or not _is_page(candidate):
        return url_for("shell.home")
    return candidate


def _is_page(path: str) -> bool:
    """A GET page of this station answers ``path`` (no redirect)."""
    from flask import current_app

    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    except Exception:  # a routing redirect (RequestRedirect) or anything odd: not a page
        return False
    return True


def _continue_url() -> str:
    """The page to return to once the problem is solved: this page for a GET, else the form's page."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return back_url() or url_for("shell.home")


def error_response(status: int, message: str, code: str, **extra: object) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=code, message=message), status
    # "back to where I was" on every error page: the referring page of this station, else the
    # browser's history (history_back.js) with the start of this service as the link's target
    # (after a POST the previous history entry is the form itself, with what the citizen typed)
    known = back_url()
    return render_template("error.html", status=status, message=message, back_url=known or section_start(),
                           history_back=known is None or request.method not in ("GET", "HEAD"), **extra), status


def _http_message(exc: HTTPException) -> str:
    """Our own words for the framework's errors (its default descriptions are English)."""
    default = type(exc).description
    if exc.description and exc.description != default:
        return exc.description
    messages = {
        400: _("The request could not be understood. Please go back and try again."),
        404: _("There is no such page at this station. Please go back or start again from the home screen."),
        405: _("This page cannot be used this way. Please go back and use the buttons on the screen."),
        413: _("The file is too large. Please choose a smaller one."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    return messages.get(exc.code or 500, _("Something went wrong at the station. Please try again or ask the staff."))


def install_error_handlers(app: Flask) -> None:
    """Map :class:`StationError`, HTTP errors and anything unexpected to clean responses."""

    @app.errorhandler(StationError)
    def station_error(exc: StationError):
        from core.errors import LoginRequired, StaffLoginRequired
        from core.privacy.consent import ConsentRequired
        from core.web.guard import StepUpRequired

        code = getattr(exc, "code", type(exc).__name__)
        if not wants_json() and request.method == "GET" and isinstance(exc, LoginRequired | StepUpRequired):
            target = request.full_path.rstrip("?")
            if isinstance(exc, StaffLoginRequired):
                return redirect(url_for("staff.login", next=target))
            extra = {"step_up": "1"} if isinstance(exc, StepUpRequired) else {}
            return redirect(url_for("login.choose", next=target, **extra))
        message = exc.text.in_language(current_language())
        if wants_json():
            return error_response(exc.http_status, message, code)
        extra: dict[str, object] = {}
        if getattr(exc, "heading_vi", None):  # an error with its own heading (e.g. a phone link)
            extra["heading_text"] = exc.heading_vi if current_language() == "vi" else exc.heading_en  # type: ignore[attr-defined]
        if isinstance(exc, ConsentRequired) and "privacy" in app.blueprints:
            extra["consent"] = {"plugin": exc.plugin_id, "category": exc.category, "next": _continue_url()}
        elif isinstance(exc, StepUpRequired):
            extra["login_url"] = url_for("login.choose", step_up="1", next=_continue_url())
        elif isinstance(exc, LoginRequired) and not request.path.startswith("/console"):
            extra["login_url"] = url_for("login.choose", next=_continue_url())
        return error_response(exc.http_status, message, code, **extra)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, _http_message(exc), exc.name.lower().replace(" ", "_"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.endpoint, exc_info=exc)
        return error_response(500, _("Something went wrong at the station. Nothing was charged or saved "
                                     "half-way; please try again or ask the staff."), "internal_error")
