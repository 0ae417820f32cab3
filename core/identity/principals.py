"""The logged-in user of a request, as flask-login sees it, and login/logout."""

from __future__ import annotations

from dataclasses import dataclass, field

import flask_login
from flask import current_app, g, has_request_context, session

from core import sessions
from core.identity.models import Citizen, StaffUser  # Citizen for type hints


@dataclass(frozen=True)
class CitizenPrincipal(flask_login.UserMixin):
    """A citizen session: the citizen's row id and how sure we are it is them."""

    citizen_id: int
    assurance: str
    method: str
    kind: str = "citizen"
    roles: tuple[str, ...] = ("citizen",)

    def get_id(self) -> str:
        return f"c:{self.citizen_id}"


@dataclass(frozen=True)
class StaffPrincipal(flask_login.UserMixin):
    """A staff session with the member's roles."""

    staff_id: int
    username: str
    roles: tuple[str, ...] = field(default_factory=tuple)
    assurance: str = "high"
    kind: str = "staff"
    must_change_password: bool = False  # a manager reset the password: the console asks for a new one first

    def get_id(self) -> str:
        return f"s:{self.staff_id}"


def current_principal() -> CitizenPrincipal | StaffPrincipal | flask_login.AnonymousUserMixin | None:
    """The request's user, as ``flask_login.current_user`` is (None outside a request), loaded
    once a request.

    The same object as ``current_user._get_current_object()``, for the code every request runs:
    flask-login's proxy looks through seven context locals to find it, this through one.
    """
    if not has_request_context():
        return None
    request_globals = g._get_current_object()
    user = getattr(request_globals, "_login_user", None)
    if user is None:
        current_app.login_manager._load_user()  # type: ignore[attr-defined]
        user = request_globals._login_user
    return user


def load_principal(user_id: str) -> CitizenPrincipal | StaffPrincipal | None:
    """flask-login's user loader: rebuild the principal from the session and the database."""
    kind, _, raw_id = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    if kind == "c":
        # No database read: a citizen's sessions are deleted when the citizen is erased.
        data = session._get_current_object()
        return CitizenPrincipal(int(raw_id), data.get("_assurance", "none"), data.get("_method", ""))
    if kind == "s":
        staff = StaffUser.get_or_none((StaffUser.id == int(raw_id)) & (StaffUser.active == True))  # noqa: E712
        if staff is None:
            return None
        return StaffPrincipal(staff.id, staff.username, tuple(staff.role_list),
                              must_change_password=bool(staff.must_change_password))
    return None


def _now() -> float:
    return current_app.config["STATION_CLOCK"]()


#: Display choices made before logging in (language, large text, contrast) that the new session keeps.
DISPLAY_KEYS = ("lang", "text_size", "contrast")


def _clear_keeping_display() -> None:
    kept = {key: session[key] for key in DISPLAY_KEYS if key in session}
    session.clear()
    session.update(kept)


def login_citizen(citizen: Citizen, assurance: str, method: str) -> CitizenPrincipal:
    """Start a citizen session (new session id) at ``assurance`` by ``method``.

    Everything of the anonymous session is dropped except the display choices (language,
    large text, high contrast) the citizen made before identifying.
    """
    sessions.rotate(session)
    _clear_keeping_display()
    principal = CitizenPrincipal(citizen.id, assurance, method)
    flask_login.login_user(principal)
    now = _now()
    session.update(_assurance=assurance, _method=method, _auth_at=now, _step_up_at=now,
                   _step_up_assurance=assurance)
    return principal


def login_staff(staff: StaffUser) -> StaffPrincipal:
    """Start a staff session (new session id), keeping the display choices."""
    sessions.rotate(session)
    _clear_keeping_display()
    principal = StaffPrincipal(staff.id, staff.username, tuple(staff.role_list))
    flask_login.login_user(principal)
    session.update(_staff=True, _auth_at=_now())
    return principal


def record_step_up(assurance: str) -> None:
    """The citizen re-verified just now (card tap or VNeID approval) at ``assurance``."""
    session["_step_up_at"] = _now()
    session["_step_ups"] = int(session.get("_step_ups", 0)) + 1
    session["_step_up_assurance"] = assurance


def step_up_count() -> int:
    """How many times the citizen re-verified in this session (the login itself not counted).

    A flow that needs a re-verification *after* it started (erasure) remembers the count when
    it starts and compares, which a clock cannot do when two events share a timestamp.
    """
    return int(session.get("_step_ups", 0))


def step_up_assurance() -> str:
    """The assurance of the last verification (the login's own when there was no step-up)."""
    return session.get("_step_up_assurance") or session.get("_assurance") or "none"


def step_up_is_fresh(window_seconds: int, assurance: str | None = None) -> bool:
    """True when the last verification is within ``window_seconds`` and, when ``assurance``
    is given, reached at least that level (a basic VNeID approval does not step a session
    up for an action that needs high assurance)."""
    from core.permissions import assurance_satisfies

    at = session.get("_step_up_at")
    if at is None or _now() - at > window_seconds:
        return False
    return assurance is None or assurance_satisfies(step_up_assurance(), assurance)


def logout() -> None:
    """End the session and forget it server-side."""
    flask_login.logout_user()
    sessions.destroy(session)
