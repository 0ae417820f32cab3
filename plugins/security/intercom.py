"""The station intercom: an emergency call from the kiosk to the 113 / 114 / 115 dispatcher.

A kiosk cannot dial ``tel:`` links, so the station has an intercom line (handset or
speaker-phone at the kiosk) that a connector places calls on. Contract:
``call(service, station_address, site_id, at)`` places a call to the dispatcher of ``service``
and returns its call id; the dispatcher's screen shows the station's address and site id (the
kiosk never sends anything about the person); ``state(call_id, now)`` → :class:`Call` (``ringing``,
``connected``, ``ended``); ``hang_up(call_id, at)``. Outages raise
``sdk.connectors.ConnectorUnavailable``.

The embedded simulator (the default, ``[connectors.intercom] kind = "simulator"``) is labelled
as such everywhere: it "answers" after ``answer_seconds`` (default 3) and keeps every call in
memory so the simulated dispatcher page (``/s/security/sim/dispatcher``) can show what a real
dispatcher would see.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sdk.connectors import Connector, Simulator, connector

RINGING, CONNECTED, ENDED = "ringing", "connected", "ended"


@dataclass(frozen=True)
class Call:
    """One emergency call as the intercom sees it (no personal data)."""

    call_id: str
    service: str
    station_address: str
    site_id: str
    started_at: float
    state: str = RINGING
    ended_at: float | None = None


class IntercomConnector(Connector):
    """Interface of the station intercom."""

    def call(self, service: str, station_address: str, site_id: str, at: float) -> str:
        raise NotImplementedError

    def state(self, call_id: str, now: float) -> Call | None:
        raise NotImplementedError

    def hang_up(self, call_id: str, at: float) -> Call | None:
        raise NotImplementedError


class IntercomSimulator(Simulator, IntercomConnector):
    """A simulated intercom line: answers after ``answer_seconds``; the calls stay in memory."""

    label = {"vi": "Bộ đàm mô phỏng — không gọi tới tổng đài thật",
             "en": "Simulated intercom — no real dispatcher is called"}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self.answer_seconds = float(self.settings.get("answer_seconds", 3))
        self.calls: dict[str, Call] = {}

    def call(self, service: str, station_address: str, site_id: str, at: float) -> str:
        call_id = secrets.token_urlsafe(12)
        self.calls[call_id] = Call(call_id, service, station_address, site_id, at)
        return call_id

    def state(self, call_id: str, now: float) -> Call | None:
        call = self.calls.get(call_id)
        if call is not None and call.state == RINGING and now - call.started_at >= self.answer_seconds:
            call = self.calls[call_id] = replace(call, state=CONNECTED)
        return call

    def hang_up(self, call_id: str, at: float) -> Call | None:
        call = self.state(call_id, at)
        if call is None or call.state == ENDED:
            return call
        call = self.calls[call_id] = replace(call, state=ENDED, ended_at=at)
        return call


def intercom() -> IntercomConnector:
    """The site's intercom connector (``[connectors.intercom]``)."""
    return connector("intercom", {"simulator": IntercomSimulator})
