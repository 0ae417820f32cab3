"""The ward police connector: interface and embedded simulator.

Contract: ``alert(service, location, site_id, at)`` raises an emergency alert from the station
(service 113, 114 or 115; the station's location and the time — nothing about the person) and
returns the police system's alert id; ``file_report(tracking_code, kind, category, summary,
anonymous, at)`` hands over a report; ``report_status(tracking_code, now)`` tells how far it is
(``received``, ``verifying``, ``handled``). Outages raise ``sdk.connectors.ConnectorUnavailable``.

The simulator records every alert and report in memory (``alerts``, ``reports``) so tests and
demos can see what the police would have received; a report moves on every ``step_seconds``
(default 3600).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sdk.connectors import Connector, Simulator, connector

STATUSES = ("received", "verifying", "handled")


@dataclass(frozen=True)
class Alert:
    alert_id: str
    service: str
    location: str
    site_id: str
    at: float


class WardPoliceConnector(Connector):
    """Interface of the ward police system."""

    def alert(self, service: str, location: str, site_id: str, at: float) -> str:
        raise NotImplementedError

    def file_report(self, tracking_code: str, kind: str, category: str, summary: str, anonymous: bool,
                    at: float) -> None:
        raise NotImplementedError

    def report_status(self, tracking_code: str, now: float) -> str | None:
        raise NotImplementedError


class WardPoliceSimulator(Simulator, WardPoliceConnector):
    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self.step_seconds = float(self.settings.get("step_seconds", 3600))
        self.alerts: list[Alert] = []
        self.reports: dict[str, dict[str, Any]] = {}

    def alert(self, service: str, location: str, site_id: str, at: float) -> str:
        alert = Alert(f"BD-{len(self.alerts) + 1:05d}", service, location, site_id, at)
        self.alerts.append(alert)
        return alert.alert_id

    def file_report(self, tracking_code: str, kind: str, category: str, summary: str, anonymous: bool,
                    at: float) -> None:
        self.reports[tracking_code] = {"kind": kind, "category": category, "summary": summary,
                                       "anonymous": anonymous, "at": at}

    def report_status(self, tracking_code: str, now: float) -> str | None:
        report = self.reports.get(tracking_code)
        if report is None:
            return None
        steps = int((now - report["at"]) // self.step_seconds) if self.step_seconds > 0 else 2
        return STATUSES[min(max(steps, 0), 2)]


def ward_police() -> WardPoliceConnector:
    """The site's ward police connector (``[connectors.ward_police]``)."""
    return connector("ward_police", {"simulator": WardPoliceSimulator})
