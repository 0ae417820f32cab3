"""Refused access decisions go to the audit log — rate-limited, so a scan cannot flood it.

The guard calls :func:`audit_refusal` when it refuses a request (no permission, too weak an
identity check, a page for citizens opened by staff, a disabled service, a missing CSRF
token). The same actor refused on the same endpoint for the same reason is recorded once
per window, and at most ``max_per_window`` refusals are recorded per window in all; what was
left out is counted and carried in the next entry's ``suppressed`` detail, so the log still
says that something was refused and how often.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def audit_refusal(reason: str, plugin: str = "core") -> None:
    """Record that the guard refused the current request (never raises)."""
    from flask import request

    from core.audit.api import current_actor
    from core.station import current_station

    try:
        station = current_station()
        actor = current_actor()
        endpoint = request.endpoint or "-"
        suppressed = station.refusals.admit(actor, endpoint, reason)
        if suppressed is None:
            return
        from core.audit.log import transaction

        with transaction():
            station.audit.record("access.refused", actor=actor, plugin=plugin, object_ref=f"endpoint:{endpoint}",
                                 outcome="refused", details={"reason": reason, "method": request.method,
                                                             "suppressed": suppressed})
    except Exception as exc:  # a refusal stays a refusal even if it cannot be logged
        log.warning("could not audit a refused request: %s", type(exc).__name__)
