"""Server-side sessions with idle timeout, absolute lifetime and id rotation.

The cookie holds only a random session id; the database stores its SHA-256 (so a copy of
the database does not hand out live sessions) with the session data as JSON. A session
ends when it has been idle longer than the kiosk idle timeout (staff: the staff idle
timeout), when it is older than the absolute lifetime, or when it is revoked. A new id is
issued at every login (:func:`rotate`), and logout deletes the row (:func:`destroy`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import peewee
from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from core.db import BaseModel, database
from core.session_cache import SessionRowCache, forget_all_cached_sessions
from core.web.security_headers import mark_personal

COOKIE_NAME = "station_session"
SECURE_COOKIE_NAME = "__Host-station_session"  # over TLS: Secure, host-only, path /
# last-seen is written at most this often (an idle timeout is at most this late), so that a
# page view is not a durable database write; a changed session is always written at once.
LAST_SEEN_RESOLUTION = 2.0
# expired rows are deleted by the first request after this many seconds (one DELETE, not a job)
PURGE_EVERY_SECONDS = 300.0


class WebSession(BaseModel):
    """One server-side session row."""

    id_hash = peewee.CharField(primary_key=True, max_length=64)
    data = peewee.TextField()
    created_at = peewee.DoubleField()
    last_seen_at = peewee.DoubleField()
    staff = peewee.BooleanField(default=False)

    class Meta:
        table_name = "web_session"


class ServerSession(CallbackDict, SessionMixin):
    """The session dict of one request."""

    def __init__(self, sid: str | None, data: dict[str, Any] | None = None,
                 created_at: float | None = None, ended: str | None = None) -> None:
        def on_update(session: ServerSession) -> None:
            session.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.created_at = created_at
        self.last_seen_at = created_at
        self.modified = False
        self.old_sid: str | None = None
        self.destroyed = False
        self.is_new_row = sid is None
        self.ended = ended  # why the previous session ended ("idle", "expired"), for the UI


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def rotate(session: ServerSession) -> None:
    """Give the session a new id (at login), dropping the old one."""
    session.old_sid = session.old_sid or session.sid
    session.sid = secrets.token_urlsafe(32)  # known now, so sealed values can be bound to it
    session.created_at = None
    session.is_new_row = True
    session.modified = True


def destroy(session: ServerSession) -> None:
    """Forget everything: the row is deleted and the cookie cleared (at logout)."""
    session.old_sid = session.old_sid or session.sid
    session.clear()
    session.sid = None
    session.is_new_row = True
    session.destroyed = True
    session.modified = True


class ServerSessionInterface(SessionInterface):
    """Flask session interface backed by the ``web_session`` table."""

    def __init__(self, clock: Callable[[], float], idle_seconds: int, staff_idle_seconds: int,
                 absolute_seconds: int) -> None:
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.staff_idle_seconds = staff_idle_seconds
        self.absolute_seconds = absolute_seconds
        self._next_purge = 0.0
        self.rows = SessionRowCache()  # the rows read lately: most requests read no database row

    def idle_limit(self, session: dict[str, Any]) -> int:
        """Idle timeout for this session: kiosk (citizen/anonymous) or staff."""
        return self.staff_idle_seconds if session.get("_staff") else self.idle_seconds

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        from flask import g

        from core.outage import DatabaseUnavailable, ensure_connection

        outages = app.extensions.get("station_outages")
        if outages is not None:
            try:
                ensure_connection(outages)  # the first database use of a request
            except DatabaseUnavailable:
                g.database_unavailable = True  # the first before_request answers 503
                return ServerSession(None)
        try:
            return self._open(request)
        except (peewee.OperationalError, peewee.InterfaceError):
            g.database_unavailable = True
            return ServerSession(None)

    def _open(self, request: Request) -> ServerSession:
        self.purge_when_due()
        sid = request.cookies.get(cookie_name(request))
        if not sid or len(sid) > 128:
            return ServerSession(None)
        id_hash = _hash(sid)
        row = self.rows.get(id_hash)
        if row is None:
            token = self.rows.before_read()
            row = self._lookup(id_hash)
            if row is None:
                return ServerSession(None, ended="unknown")
            self.rows.keep_read(token, id_hash, row)
        raw_data, created_at, last_seen_at = row
        now = self.clock()
        data = json.loads(raw_data)
        if now - created_at > self.absolute_seconds:
            ended = "expired"
        elif now - last_seen_at > self.idle_limit(data):
            ended = "idle"
        else:
            session = ServerSession(sid, data, created_at)
            session.last_seen_at = last_seen_at
            return session
        WebSession.delete().where(WebSession.id_hash == id_hash).execute()
        self.rows.dropped(id_hash)  # after the delete, so a read racing it is not kept
        return ServerSession(None, ended=ended)

    @staticmethod
    def _lookup(id_hash: str) -> tuple[str, float, float] | None:
        # Every request does this: plain SQL, because building the peewee query costs more
        # than running it.
        db = database.obj
        sql = f"SELECT data, created_at, last_seen_at FROM web_session WHERE id_hash = {db.param}"  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
        return db.execute_sql(sql, (id_hash,)).fetchone()

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        from flask import g

        if g.get("database_unavailable"):
            return  # the 503 page: keep the browser's cookie, write nothing
        if session.get("_user_id"):
            mark_personal(request.environ)
        try:
            self._save(app, session, response)
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            from core.outage import replace_with_fault_page, storage_fault

            # what the person did could not be kept (disk full, read-only, outage): say so
            replace_with_fault_page(response, storage_fault(exc) or "unavailable")

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.old_sid:
            WebSession.delete().where(WebSession.id_hash == _hash(session.old_sid)).execute()
            self.rows.dropped(_hash(session.old_sid))
            session.old_sid = None
        if session.destroyed or (not session and (session.sid is None or session.is_new_row)):
            req = request._get_current_object()
            name = cookie_name(req)
            if session.destroyed or name in req.cookies:
                secure = is_https(req)
                response.delete_cookie(name, domain=None if secure else self.get_cookie_domain(app), path="/",
                                       secure=secure, samesite="Strict")
            return
        now = self.clock()
        if session.sid is None or session.is_new_row:
            session.sid = session.sid or secrets.token_urlsafe(32)
            session.is_new_row = False
            session.created_at = now
            data = json.dumps(dict(session))
            WebSession.create(id_hash=_hash(session.sid), data=data,
                              created_at=now, last_seen_at=now, staff=bool(session.get("_staff")))
        elif session.modified:
            data = json.dumps(dict(session))
            WebSession.update({WebSession.last_seen_at: now, WebSession.data: data,
                               WebSession.staff: bool(session.get("_staff"))}
                              ).where(WebSession.id_hash == _hash(session.sid)).execute()
        elif now - (session.last_seen_at or 0) >= LAST_SEEN_RESOLUTION:
            data = json.dumps(dict(session))
            WebSession.update({WebSession.last_seen_at: now}).where(
                WebSession.id_hash == _hash(session.sid)).execute()
        else:
            return  # nothing changed: no write, and the cookie the browser has is still right
        self.rows.wrote(_hash(session.sid), (data, session.created_at or now, now))  # after the write
        req = request._get_current_object()
        secure = is_https(req)
        response.set_cookie(cookie_name(req), session.sid, domain=None if secure else self.get_cookie_domain(app),
                            path="/", secure=secure, httponly=True, samesite="Strict")
        response.vary.add("Cookie")

    def purge_when_due(self) -> int:
        """Purge expired sessions if the last purge is ``PURGE_EVERY_SECONDS`` old; returns how many."""
        now = self.clock()
        if now < self._next_purge:
            return 0
        self._next_purge = now + PURGE_EVERY_SECONDS
        try:
            return self.purge_expired()
        except peewee.DatabaseError:
            self._next_purge = now  # try again at the next request; the request reports the outage
            return 0

    def purge_expired(self) -> int:
        """Delete sessions past their idle or absolute limit; returns how many."""
        now = self.clock()
        with database.atomic():
            purged = (WebSession.delete()
                    .where((WebSession.created_at < now - self.absolute_seconds)
                           | ((WebSession.staff == False) & (WebSession.last_seen_at < now - self.idle_seconds))  # noqa: E712
                           | (WebSession.last_seen_at < now - self.staff_idle_seconds))
                    .execute())
        self.rows.clear()
        return purged


def end_sessions_of(user_id: str, keep: str | None = None) -> int:
    """Delete every server-side session logged in as ``user_id`` (``c:<id>`` or ``s:<id>``),
    except the one whose id hash is ``keep``; returns how many."""
    doomed = []
    for id_hash, data in (WebSession.select(WebSession.id_hash, WebSession.data)
                          .where(WebSession.data.contains(f'"{user_id}"')).tuples()):
        try:
            if json.loads(data).get("_user_id") == user_id and id_hash != keep:
                doomed.append(id_hash)
        except ValueError:
            continue
    if not doomed:
        return 0
    deleted = WebSession.delete().where(WebSession.id_hash.in_(doomed)).execute()
    forget_all_cached_sessions()
    return deleted


def is_https(request: Request) -> bool:
    """The request came over TLS, directly or through a trusted proxy (``[server]
    trusted_proxies``). The kiosk's own browser on http://127.0.0.1 keeps a plain cookie."""
    return request.is_secure


def cookie_name(request: Request) -> str:
    """``__Host-`` prefixed name over TLS (browsers then insist on Secure, no Domain, path /)."""
    return SECURE_COOKIE_NAME if is_https(request) else COOKIE_NAME
