"""Security headers on every response, and no caching of personal pages."""

from __future__ import annotations

import flask_login
from flask import Flask, Response, request

from core.sessions import is_https

HSTS = "max-age=31536000; includeSubDomains"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


FIXED_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
NO_STORE_HEADERS = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no referrer; ``no-store`` whenever someone is logged in."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # one pass, not one search a header
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for name, value in FIXED_HEADERS:
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)
    if "x-frame-options" not in present:
        headers.add("X-Frame-Options", "DENY")
    if is_https(request):  # browsers ignore HSTS over plain http, so it is only sent over TLS
        headers["Strict-Transport-Security"] = HSTS
    user = flask_login.current_user._get_current_object()
    if user is not None and user.is_authenticated:
        for name, value in NO_STORE_HEADERS:
            if name.lower() in present:
                headers[name] = value
            else:
                headers.add(name, value)
    return response


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(add_security_headers)
