"""Database outages and storage faults as a citizen and an operator see them.

* At the start of every request the database connection is checked (PostgreSQL: one
  ``SELECT 1``; a connection broken by an outage is closed and opened again), so the first
  request after the database comes back succeeds instead of failing on a stale connection.
* While the database cannot be reached, every request gets the station's "temporarily
  unavailable" page (503, Vietnamese first, ``Retry-After``); nothing is written half-way.
* The log says once that the database is down and once that it is back, with how long
  and how many requests were refused — not one traceback per request.
* SQLite's "disk full" and "read-only" errors get their own message at the kiosk.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import peewee
from flask import Flask, Response, current_app, g, jsonify, request

from core import db
from core.errors import StationError

log = logging.getLogger("core.database")
CONNECTION_ERRORS = (peewee.OperationalError, peewee.InterfaceError)
RETRY_AFTER_SECONDS = 10

MESSAGES = {
    "unavailable": ("Trạm tạm thời không phục vụ được. Không có gì bị trừ tiền hay lưu dở dang; "
                    "vui lòng thử lại sau ít phút.",
                    "The station is temporarily unavailable. Nothing was charged or saved half-way; "
                    "please try again in a few minutes."),
    "disk_full": ("Bộ nhớ của trạm đã đầy nên không lưu được yêu cầu này. Không có gì bị trừ tiền; "
                  "vui lòng báo nhân viên trạm.",
                  "The station's storage is full, so this request could not be saved. Nothing was charged; "
                  "please tell the station staff."),
    "read_only": ("Bộ nhớ của trạm đang ở chế độ chỉ đọc nên không lưu được yêu cầu này. Không có gì bị trừ "
                  "tiền; vui lòng báo nhân viên trạm.",
                  "The station's storage is read-only, so this request could not be saved. Nothing was "
                  "charged; please tell the station staff."),
}


class DatabaseUnavailable(StationError):
    """The database cannot be reached (or cannot store) right now; the citizen should retry."""

    http_status = 503

    def __init__(self, kind: str = "unavailable") -> None:
        self.kind = kind
        super().__init__(MESSAGES[kind][1])


class OutageLog:
    """Logs one line when the database goes down and one when it is back, with counts."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.down_since: float | None = None
        self.refused = 0
        self._lock = threading.Lock()

    def down(self, reason: str) -> None:
        """A request found the database unreachable."""
        with self._lock:
            if self.down_since is None:
                self.down_since, self.refused = self.clock(), 0
                log.error("database unreachable (%s); citizens get the 'temporarily unavailable' page "
                          "until it is back", " ".join(reason.split())[:200])
            self.refused += 1

    def up(self) -> None:
        """A request found the database reachable again."""
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            log.warning("database back after %.0f s; %d request(s) were refused meanwhile",
                        self.clock() - self.down_since, self.refused)
            self.down_since, self.refused = None, 0


def ensure_connection(outages: OutageLog) -> None:
    """Check the connection at request start and re-open a broken one; raise if it stays down."""
    database = db.database.obj
    if not isinstance(database, peewee.PostgresqlDatabase):
        return  # SQLite is a local file: nothing to reconnect
    try:
        if database.is_closed():
            database.connect()
        else:
            database.execute_sql("SELECT 1")
    except CONNECTION_ERRORS + (peewee.DatabaseError,):
        _drop_connection(database)
        try:
            database.connect()
        except CONNECTION_ERRORS + (peewee.DatabaseError,) as exc:
            _drop_connection(database)
            outages.down(str(exc))
            raise DatabaseUnavailable() from None
    outages.up()


def _drop_connection(database: peewee.Database) -> None:
    try:
        database.close()
    except Exception:  # a broken connection may fail to close; forget it anyway
        database._state.reset()


def storage_fault(exc: BaseException) -> str | None:
    """``disk_full``, ``read_only`` or ``unavailable`` for a database error that is a fault, else ``None``."""
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text or "could not extend file" in text:
        return "disk_full"
    if "readonly database" in text or "read-only" in text or "read only" in text:
        return "read_only"
    if "disk i/o error" in text or "database is locked" in text:
        return "unavailable"
    if isinstance(exc, CONNECTION_ERRORS) and isinstance(db.database.obj, peewee.PostgresqlDatabase):
        return "unavailable"
    return None


def unavailable_response(kind: str) -> tuple[Response, int]:
    """The 503 page (or JSON), rendered without touching the database."""
    vi, en = MESSAGES[kind]
    if request.path.startswith(("/api/", "/healthz")) or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=f"database_{kind}", message=en, message_vi=vi)
    else:
        template = current_app.jinja_env.get_template("unavailable.html")  # no context processors: no DB
        response = Response(template.render(vi=vi, en=en, kind=kind), mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response, 503


def replace_with_fault_page(response: Response, kind: str) -> None:
    """Turn an already-built response into the fault page (a write after the view failed)."""
    page, status = unavailable_response(kind)
    response.status_code = status
    response.set_data(page.get_data())
    response.headers["Content-Type"] = page.headers["Content-Type"]
    for name in ("Location", "Set-Cookie"):
        response.headers.pop(name, None)
    response.headers["Retry-After"] = page.headers["Retry-After"]
    response.headers["Cache-Control"] = "no-store"


def install_outage_handling(app: Flask, outages: OutageLog | None = None) -> OutageLog:
    """Check the connection before each request; map outages and storage faults to the 503 page."""
    outages = outages or OutageLog()
    app.extensions["station_outages"] = outages

    def refuse_while_down() -> None:
        if g.get("database_unavailable") and request.path != "/healthz":  # /healthz says what is wrong
            raise DatabaseUnavailable()

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_while_down)

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(exc: DatabaseUnavailable):
        g.database_unavailable = True
        return unavailable_response(exc.kind)

    def database_fault(exc: Exception):
        kind = storage_fault(exc)
        if kind is None:  # a plain bug: the station's generic handler (logged with its traceback)
            return app.error_handler_spec[None][None][Exception](exc)
        g.database_unavailable = True
        if kind == "unavailable" and isinstance(db.database.obj, peewee.PostgresqlDatabase):
            _drop_connection(db.database.obj)
            outages.down(str(exc))
        else:
            log.error("storage fault on %s %s: %s", request.method, request.endpoint, " ".join(str(exc).split()))
        return unavailable_response(kind)

    for error in (peewee.OperationalError, peewee.InterfaceError, peewee.DatabaseError):
        app.register_error_handler(error, database_fault)
    return outages
