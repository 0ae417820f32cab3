"""The hub's own audit trail (``hub_events``): who did what to which object, when."""

from __future__ import annotations

import json
from typing import Any

from hub.db import HubEvent


def record_event(actor: str, action: str, object_ref: str, details: dict[str, Any], now: float) -> None:
    """Append one event (inside the caller's transaction, if any)."""
    HubEvent.create(at=now, actor=actor[:128], action=action, object_ref=object_ref[:200],
                    details=json.dumps(details, ensure_ascii=False, sort_keys=True))
