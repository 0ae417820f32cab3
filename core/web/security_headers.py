"""Security headers on every response, and no caching of personal pages."""

from __future__ import annotations

import flask_login
from flask import Flask, Response, request

from core.sessions import is_https

HSTS = "max-age=31536000; includeSubDomains"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no referrer; ``no-store`` whenever someone is logged in."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("X-Frame-Options", "DENY")
    if is_https(request):  # browsers ignore HSTS over plain http, so it is only sent over TLS
        headers["Strict-Transport-Security"] = HSTS
    user = flask_login.current_user._get_current_object()
    if user is not None and user.is_authenticated:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(add_security_headers)
