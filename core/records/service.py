"""Accurate-clean-live: gather what each partner system holds about the identified citizen
(the ``citizen_records`` hook), compare it with the chip card's verified data, and send a
correction the citizen confirmed (``record_correction``) with the card's value — never a
value typed or posted by anyone.

Nothing changes without the citizen's action. Each correction is audited (system, field and
the partner's reference; no values) in one transaction with its data-quality events, which
hold no citizen and no values and are what the fleet hub counts per ward.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from core.audit.log import transaction
from core.errors import NotFoundError, UserInputError
from core.records.compare import FIELDS, Mismatch, compare
from core.records.models import QualityEvent


@dataclass
class PartnerRecord:
    """One partner system's record of the citizen and how it compares with the card."""

    plugin: str
    system: str
    name: dict[str, str]
    mismatches: list[Mismatch] = field(default_factory=list)


def _valid(row: Any) -> bool:
    return (isinstance(row, dict) and isinstance(row.get("system"), str) and 0 < len(row["system"]) <= 40
            and isinstance(row.get("name"), dict) and isinstance(row.get("fields"), dict)
            and all(k in FIELDS for k in row["fields"]))


def gather(station: Any, identity: Any) -> list[PartnerRecord]:
    """Every partner record of the citizen, compared with the card (``identity``)."""
    card = asdict(identity)
    found = []
    for record, rows in station.plugins.call_each("citizen_records", identity=identity):
        for row in rows if isinstance(rows, list) else []:
            if not _valid(row):
                continue
            correctable = set(row.get("correctable") or [])
            found.append(PartnerRecord(record.id, row["system"], {"vi": str(row["name"].get("vi", row["system"])),
                                                                  "en": str(row["name"].get("en", row["system"]))},
                                       compare(row["system"], row["fields"], card, correctable)))
    return sorted(found, key=lambda r: r.system)


def note_mismatches(records: list[PartnerRecord], already: set[str], now: float) -> set[str]:
    """Count each mismatch once per session (``already`` holds what was counted); returns the
    keys counted now."""
    fresh = {f"{m.system}.{m.field}" for r in records for m in r.mismatches} - already
    with transaction():
        for key in sorted(fresh):
            system, _, name = key.partition(".")
            QualityEvent.create(system=system, field=name, event="mismatch", at=now)
    return fresh


def correct(station: Any, identity: Any, citizen_id: int, system: str, field_name: str, now: float) -> dict[str, Any]:
    """Ask ``system`` to take the card's value for ``field_name``; audited. Refused when the
    record does not differ (any more) or the system cannot take corrections at the station."""
    records = gather(station, identity)
    record = next((r for r in records if r.system == system), None)
    if record is None:
        raise NotFoundError("no such record for this citizen")
    mismatch = next((m for m in record.mismatches if m.field == field_name), None)
    if mismatch is None:
        raise UserInputError("this field already matches the ID card")
    if not mismatch.correctable:
        raise UserInputError("this system does not take corrections from the station")
    with transaction():
        answer = station.plugins.call_one(record.plugin, "record_correction", system=system, field=field_name,
                                          value=mismatch.card)
        if not isinstance(answer, dict) or not isinstance(answer.get("reference"), str):
            raise UserInputError("the partner system did not take the correction")
        applied = bool(answer.get("applied"))
        QualityEvent.create(system=system, field=field_name, event="correction", at=now)
        if applied:
            QualityEvent.create(system=system, field=field_name, event="resolved", at=now)
        station.audit.record("records.correction", actor=f"citizen:{citizen_id}", object_ref=f"record:{system}",
                             details={"field": field_name, "reference": answer["reference"][:64], "applied": applied,
                                      "source": "card" if identity.source == "card" else identity.source})
    return {"reference": answer["reference"], "applied": applied}


def quality_counts(start: float, end: float) -> list[dict[str, Any]]:
    """The month's data-quality events as counts (system, field, event) for the fleet hub."""
    counts: Counter[tuple[str, str, str]] = Counter(
        (e.system, e.field, e.event) for e in QualityEvent.select().where(QualityEvent.at >= start,
                                                                             QualityEvent.at < end))
    return [{"statistic": "data_quality", "cell": {"system": s, "field": f, "event": e}, "count": n}
            for (s, f, e), n in sorted(counts.items())]
