"""``create_app(config)`` — the hub's app factory, nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response, jsonify

from core.errors import StationError
from hub.config import HubConfig, load_config_signer, load_session_key, load_witness_key
from hub.db import hub_database, open_hub_database

#: The console's pages use the hub's own stylesheet and no script at all (charts are inline SVG).
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no referrer and no framing on every hub response (like the station's)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def create_app(config: HubConfig, clock: Callable[[], float] = time.time) -> Flask:
    """A hub process: its routes bound to the shared database; nothing kept in memory that matters."""
    from hub.console import console
    from hub.open_data_web import open_data_pages
    from hub.sensorthings import sensorthings
    from hub.supply.web import tuf_api
    from hub.web import api

    open_hub_database(config.database_url)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = load_session_key(config)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions["hub"] = {"config": config, "clock": clock, "witness": load_witness_key(config),
                             "config_signer": load_config_signer(config)}
    app.register_blueprint(api)
    app.register_blueprint(console)
    app.register_blueprint(tuf_api)
    app.register_blueprint(open_data_pages)
    app.register_blueprint(sensorthings)

    app.after_request(add_security_headers)

    @app.errorhandler(StationError)
    def station_error(error: StationError):  # Flask handler
        return jsonify(error=str(error)), error.http_status

    @app.teardown_request
    def rollback_open_transaction(_exc: BaseException | None) -> None:
        if not hub_database.is_closed() and hub_database.in_transaction():
            hub_database.rollback()

    return app
