"""The one place that turns errors into HTTP responses: a friendly page or JSON, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from core.errors import StationError
from core.i18n import current_language

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """JSON for API clients and monitoring; HTML for the kiosk browser."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith(("/api/", "/healthz", "/audit/")) or best == "application/json" or request.is_json


def error_response(status: int, message: str, code: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=code, message=message), status
    return render_template("error.html", status=status, message=message), status


def install_error_handlers(app: Flask) -> None:
    """Map :class:`StationError`, HTTP errors and anything unexpected to clean responses."""

    @app.errorhandler(StationError)
    def station_error(exc: StationError):  # type: ignore[no-untyped-def]
        from core.errors import LoginRequired
        from core.web.guard import StepUpRequired

        if not wants_json() and request.method == "GET" and isinstance(exc, LoginRequired | StepUpRequired):
            target = request.full_path.rstrip("?")
            if request.path.startswith("/console"):
                return redirect(url_for("staff.login", next=target))
            extra = {"step_up": "1"} if isinstance(exc, StepUpRequired) else {}
            return redirect(url_for("login.choose", next=target, **extra))
        message = getattr(exc, "vi", None) if current_language() == "vi" else None
        return error_response(exc.http_status, message or str(exc), getattr(exc, "code", type(exc).__name__))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(exc.code or 500, exc.description or exc.name, exc.name.lower().replace(" ", "_"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.endpoint, exc_info=exc)
        return error_response(500, "Something went wrong at the station. Nothing was charged or saved "
                                   "half-way; please try again or ask the staff.", "internal_error")
