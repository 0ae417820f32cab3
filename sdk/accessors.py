"""Who and where: the current citizen or staff member, this plugin's settings, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask_login
from flask import current_app, has_request_context, request


@dataclass(frozen=True)
class CitizenView:
    """What a plugin sees of the logged-in citizen: an opaque id and the assurance level."""

    id: int
    assurance: str
    method: str


@dataclass(frozen=True)
class StaffView:
    """What a plugin sees of a logged-in staff member."""

    id: int
    username: str
    roles: tuple[str, ...]


def current_citizen() -> CitizenView | None:
    """The citizen at the terminal, or None (visitor or staff)."""
    if not has_request_context():
        return None
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "citizen":
        return None
    return CitizenView(user.citizen_id, user.assurance, user.method)


def current_staff() -> StaffView | None:
    """The staff member logged in, or None."""
    if not has_request_context():
        return None
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "staff":
        return None
    return StaffView(user.staff_id, user.username, user.roles)


def current_plugin_id() -> str | None:
    """The id of the plugin whose route is being served."""
    if not has_request_context() or not request.blueprint:
        return None
    return request.blueprint.split(".")[0]


def plugin_settings(plugin_id: str | None = None) -> dict[str, Any]:
    """This plugin's effective per-site settings (manifest defaults + site overrides)."""
    plugin_id = plugin_id or current_plugin_id()
    station = current_app.extensions["station"]
    record = station.plugins.get(plugin_id)
    return dict(station.info_for(record).settings)


def now() -> float:
    """The station clock (epoch seconds); tests move it instead of sleeping."""
    return current_app.config["STATION_CLOCK"]()


def verified_identity() -> Any:
    """What the card or VNeID proved about the citizen at the terminal (this session only):
    ``id_number``, ``full_name``, ``date_of_birth``, ``sex``, ``place_of_origin``,
    ``residence``, ``nationality``, ``source``; None without a verified citizen."""
    if current_citizen() is None:
        return None
    from core.identity.session_identity import load_identity

    return load_identity()


def citizen_matches_id_number(id_number: str) -> bool:
    """True when ``id_number`` is the verified number of the citizen at the terminal.

    Compares keyed hashes in constant time ("right person, right prescription").
    """
    citizen = current_citizen()
    if citizen is None:
        return False
    return current_app.extensions["station"].citizens.matches(citizen.id, id_number.strip())
