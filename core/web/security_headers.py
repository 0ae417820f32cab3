"""Security headers on every response, and no caching of personal pages."""

from __future__ import annotations

from flask import Flask, Response, request

from core.identity.principals import current_principal

HSTS = "max-age=31536000; includeSubDomains"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

# (name, value, a view's own value wins): a view may send its own CSP or framing rule; the
# others are the station's everywhere
SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY, True),
                    ("X-Content-Type-Options", "nosniff", False), ("Referrer-Policy", "no-referrer", False),
                    ("X-Frame-Options", "DENY", True))
NO_STORE_HEADERS = (("Cache-Control", "no-store", False), ("Pragma", "no-cache", False))


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no referrer, no framing; HSTS over TLS; ``no-store`` whenever someone is logged in."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # one pass, not one search a header
    user = current_principal()
    wanted = SECURITY_HEADERS + NO_STORE_HEADERS if user is not None and user.is_authenticated else SECURITY_HEADERS
    for name, value, views_own_wins in wanted:
        if name.lower() not in present:
            headers.add(name, value)
        elif not views_own_wins:
            headers[name] = value
    if request.is_secure:  # browsers ignore HSTS over plain http, so it is only sent over TLS
        headers["Strict-Transport-Security"] = HSTS
    return response


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(add_security_headers)
