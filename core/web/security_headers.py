"""Security headers on every response, and no caching of personal pages.

They are added by a small WSGI middleware around the Flask application, as plain header
tuples when the response starts: every response gets them (error pages and static files
included), and a page pays for a few list appends, not for werkzeug's validation and copying
of each header (about 8 µs of a ~110 µs plugin page, docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

HSTS = "max-age=31536000; includeSubDomains"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

#: Sent unless the view sent its own (a page may need another CSP or framing rule).
DEFAULT_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY"))
#: The station's values everywhere, replacing a view's.
FIXED_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
#: On a response to a logged-in session (:func:`mark_personal`), replacing a view's.
NO_STORE_HEADERS = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
PERSONAL = "citizen_station.personal"  # the WSGI environ key :func:`mark_personal` sets


def mark_personal(environ: dict[str, Any]) -> None:
    """This request ran in a logged-in session: its response must not be stored by the browser."""
    environ[PERSONAL] = True


def with_security_headers(headers: list[tuple[str, str]], environ: dict[str, Any]) -> list[tuple[str, str]]:
    """``headers`` with the station's: CSP, no framing, nosniff, no referrer; HSTS over TLS;
    ``no-store`` on personal pages."""
    present = {name.lower() for name, _ in headers}
    fixed = FIXED_HEADERS
    if environ.get(PERSONAL):
        fixed += NO_STORE_HEADERS
    # browsers ignore HSTS over plain http, so it is only sent over TLS (after ProxyFix, if trusted)
    if environ.get("wsgi.url_scheme") == "https":
        fixed += (("Strict-Transport-Security", HSTS),)
    replaced = {name.lower() for name, _ in fixed}
    if not present.isdisjoint(replaced):
        headers = [(name, value) for name, value in headers if name.lower() not in replaced]
    headers.extend(fixed)
    headers.extend(header for header in DEFAULT_HEADERS if header[0].lower() not in present)
    return headers


class SecurityHeaders:
    """WSGI middleware adding :func:`with_security_headers` to every response of ``wsgi_app``."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, with_security_headers(headers, environ), exc_info)

        return self.wsgi_app(environ, start)


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app`` (before ProxyFix wraps it, so that a request
    a trusted proxy received over TLS counts as TLS)."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
