"""What plugins see of the people using the station (re-exported as ``sdk.CitizenView`` and
``sdk.StaffView``): opaque ids, never personal data."""

from __future__ import annotations

from dataclasses import dataclass


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
