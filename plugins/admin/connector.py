"""The national public-service portal connector: interface and embedded simulator.

Contract (what a real implementation must do): ``submit(Submission, now)`` files a dossier
and returns its dossier code, the time received and the appointment date; ``status(code,
now)`` returns the dossier's status — ``received``, ``processing``, ``needs_more_documents``,
``done`` or ``rejected`` — with a short note; an unknown code raises ``UnknownDossier``; an
outage raises ``sdk.connectors.ConnectorUnavailable``.

The simulator keeps its book in the ``admin_portal_sim`` table (codes and dates only) and
moves each dossier along with the station clock: ``received`` → after ``step_seconds``
``processing`` → after another step the outcome: ``needs_more_documents`` when a required
document was missing, otherwise ``done`` (or an outcome scripted with
:meth:`PortalSimulator.script_outcome`, e.g. ``rejected``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sdk import transaction
from sdk.connectors import Connector, Simulator, connector

from .models import PORTAL_STATUSES, PortalRecord

#: The station's civil time zone (Vietnam, UTC+7, no daylight saving).
VIETNAM = timedelta(hours=7)


class UnknownDossier(LookupError):
    """The portal has no dossier with this code."""


@dataclass(frozen=True)
class Submission:
    """What the station files: the procedure, the form (JSON), and the attachments' metadata."""

    procedure_code: str
    processing_working_days: int
    form: dict[str, Any]
    documents: tuple[tuple[str, str, int], ...]  # (document key, mime type, size)
    missing_required: int
    fee_paid_vnd: int


@dataclass(frozen=True)
class Receipt:
    dossier_code: str
    received_at: float
    appointment_date: date


@dataclass(frozen=True)
class DossierStatus:
    status: str
    note: dict[str, str]


def local_date(epoch_seconds: float) -> date:
    """The calendar date in Vietnam at ``epoch_seconds``."""
    return (datetime.fromtimestamp(epoch_seconds, UTC) + VIETNAM).date()


def add_working_days(start: date, working_days: int) -> date:
    """``start`` plus ``working_days`` Monday-Friday days (0: the same day, or the next
    working day when ``start`` is a weekend). Public holidays are not modelled."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


class PortalConnector(Connector):
    """Interface of the national public-service portal."""

    def submit(self, submission: Submission, now: float) -> Receipt:
        raise NotImplementedError

    def status(self, dossier_code: str, now: float) -> DossierStatus:
        raise NotImplementedError


_NOTES = {
    "received": {"vi": "Cơ quan đã tiếp nhận hồ sơ.", "en": "The authority has received the dossier."},
    "processing": {"vi": "Hồ sơ đang được giải quyết.", "en": "The dossier is being processed."},
    "needs_more_documents": {"vi": "Cần bổ sung giấy tờ còn thiếu; vui lòng nộp bổ sung.",
                             "en": "Missing documents are needed; please supply them."},
    "done": {"vi": "Đã có kết quả; mời nhận theo ngày hẹn.", "en": "The result is ready; collect it on the appointment date."},
    "rejected": {"vi": "Hồ sơ bị từ chối; xem lý do tại cơ quan giải quyết.",
                 "en": "The dossier was refused; the authority can explain why."},
}


class PortalSimulator(Simulator, PortalConnector):
    """Deterministic simulated portal (settings: ``step_seconds``, default 3600)."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self.step_seconds = float(self.settings.get("step_seconds", 3600))
        self._book_ready = False

    def _book(self) -> type[PortalRecord]:
        """The simulator's book, created on first use: it exists only where the simulator runs."""
        if not self._book_ready:
            PortalRecord.create_table(safe=True)
            self._book_ready = True
        return PortalRecord

    def submit(self, submission: Submission, now: float) -> Receipt:
        received_on = local_date(now)
        prefix = f"MP-{received_on:%y%m%d}-"
        self._book()
        with transaction():
            today_count = PortalRecord.select().where(PortalRecord.dossier_code.startswith(prefix)).count()
            code = f"{prefix}{today_count + 1:04d}"
            PortalRecord.create(dossier_code=code, procedure_code=submission.procedure_code, received_at=now,
                                missing_documents=submission.missing_required)
        return Receipt(code, now, add_working_days(received_on, submission.processing_working_days))

    def status(self, dossier_code: str, now: float) -> DossierStatus:
        record = self._book().get_or_none(PortalRecord.dossier_code == dossier_code)
        if record is None:
            raise UnknownDossier(dossier_code)
        steps = int((now - record.received_at) // self.step_seconds) if self.step_seconds > 0 else 2
        if steps <= 0:
            status = "received"
        elif steps == 1:
            status = "processing"
        elif record.outcome:
            status = record.outcome
        else:
            status = "needs_more_documents" if record.missing_documents else "done"
        return DossierStatus(status, _NOTES[status])

    def script_outcome(self, dossier_code: str, outcome: str) -> None:
        """Make the dossier end as ``outcome`` (tests and demos: e.g. ``rejected``)."""
        if outcome not in PORTAL_STATUSES:
            raise ValueError(f"unknown status {outcome!r}")
        self._book().update(outcome=outcome).where(PortalRecord.dossier_code == dossier_code).execute()


def portal() -> PortalConnector:
    """The site's portal connector (``[connectors.public_service_portal]``)."""
    return connector("public_service_portal", {"simulator": PortalSimulator})
