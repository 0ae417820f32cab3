"""Citizen records keyed by a keyed hash of the ID number (the number is never stored)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

from core.identity.models import Citizen
from core.secrets import read_raw_key


class CitizenRegistry:
    """Finds or creates the citizen row for a verified ID number."""

    def __init__(self, secrets_dir: Path, clock: Callable[[], float]) -> None:
        self._key = read_raw_key(secrets_dir, "hmac.key")
        self.clock = clock

    def id_hash(self, id_number: str) -> str:
        """HMAC-SHA256 of the 12-digit ID number under the station's HMAC key (hex)."""
        return hmac.new(self._key, id_number.encode("ascii"), hashlib.sha256).hexdigest()

    def find_or_create(self, id_number: str) -> Citizen:
        """The citizen with ``id_number`` (created at first login)."""
        citizen, _ = Citizen.get_or_create(id_hash=self.id_hash(id_number), defaults={"created_at": self.clock()})
        return citizen

    def matches(self, citizen_id: int, id_number: str) -> bool:
        """True when ``id_number`` is the number of citizen ``citizen_id`` (constant time)."""
        citizen = Citizen.get_or_none(Citizen.id == citizen_id)
        return citizen is not None and hmac.compare_digest(citizen.id_hash, self.id_hash(id_number))
