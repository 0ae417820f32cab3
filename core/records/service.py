"""Accurate-clean-live: gather what each partner system holds about the identified citizen
(the ``citizen_records`` hook, and the population register through the identity connector,
:mod:`core.records.register`), compare it with the chip card's verified data, and send a
correction the citizen confirmed (``record_correction``) with the card's value — never a
value typed or posted by anyone. A correction the system has not applied yet is *pending*:
shown with its reference, and not sent twice.

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
from core.records import register
from core.records.compare import FIELDS, Mismatch, compare
from core.records.models import FiledCorrection, QualityEvent
from core.text import Text

#: the population register answers as the records feature itself (it is the core's connector)
CORE_PLUGIN = "records"


@dataclass
class PartnerRecord:
    """One partner system's record of the citizen and how it compares with the card."""

    plugin: str
    system: str
    name: dict[str, str]
    mismatches: list[Mismatch] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field → how the system names it


def _text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(k in FIELDS for k in value)


def _valid(row: Any) -> bool:
    return (isinstance(row, dict) and isinstance(row.get("system"), str) and 0 < len(row["system"]) <= 40
            and isinstance(row.get("name"), dict) and _text_map(row.get("fields"))
            and (row.get("pending") is None or _text_map(row["pending"])
                 and all(isinstance(v, str) for v in row["pending"].values()))
            and (row.get("labels") is None or _text_map(row["labels"])
                 and all(isinstance(v, dict) for v in row["labels"].values())))


def _record(plugin: str, row: dict[str, Any], card: dict[str, Any]) -> PartnerRecord:
    correctable = set(row.get("correctable") or [])
    pending = {k: str(v)[:64] for k, v in (row.get("pending") or {}).items()}
    labels = {k: {"vi": str(v.get("vi", "")), "en": str(v.get("en", ""))}
              for k, v in (row.get("labels") or {}).items() if v.get("vi")}
    return PartnerRecord(plugin, row["system"], {"vi": str(row["name"].get("vi", row["system"])),
                                                 "en": str(row["name"].get("en", row["system"]))},
                         compare(row["system"], row["fields"], card, correctable, pending), labels)


def gather(station: Any, identity: Any) -> list[PartnerRecord]:
    """Every partner record of the citizen, compared with the card (``identity``)."""
    card = asdict(identity)
    answers = [(CORE_PLUGIN, register.register_rows(station, identity))]
    answers += [(record.id, rows) for record, rows in station.plugins.call_each("citizen_records", identity=identity)]
    found = [_record(plugin, row, card) for plugin, rows in answers for row in (rows if isinstance(rows, list) else [])
             if _valid(row) and (plugin == CORE_PLUGIN or row["system"] != register.SYSTEM)]  # no plugin poses as it
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
        raise NotFoundError(Text(vi="Không có hồ sơ này của bạn để đối chiếu.",
                                 en="There is no such record of you to compare."))
    mismatch = next((m for m in record.mismatches if m.field == field_name), None)
    if mismatch is None:
        raise UserInputError(Text(vi="Thông tin này đã khớp với thẻ căn cước.",
                                  en="This field already matches the ID card."))
    if not mismatch.correctable:
        raise UserInputError(Text(vi="Đơn vị này chưa nhận yêu cầu sửa qua trạm; vui lòng liên hệ trực tiếp.",
                                  en="This system does not take corrections from the station; please contact it."))
    if mismatch.pending:
        raise UserInputError(Text(vi=f"Yêu cầu cập nhật thông tin này đã được gửi (mã {mismatch.pending}); "
                                     "đơn vị chưa xử lý xong.",
                                  en=f"An update request for this field was already sent ({mismatch.pending}); "
                                     "the system has not processed it yet."))
    with transaction():
        if record.plugin == CORE_PLUGIN:
            answer = register.request_adjustment(station, identity, field_name, mismatch.card, now)
        else:
            answer = station.plugins.call_one(record.plugin, "record_correction", system=system, field=field_name,
                                              value=mismatch.card)
        if not isinstance(answer, dict) or not isinstance(answer.get("reference"), str):
            raise UserInputError(Text(vi="Đơn vị không nhận yêu cầu cập nhật. Vui lòng thử lại sau.",
                                      en="The partner system did not take the correction. Please try again later."))
        applied = bool(answer.get("applied"))
        QualityEvent.create(system=system, field=field_name, event="correction", at=now)
        if applied:
            QualityEvent.create(system=system, field=field_name, event="resolved", at=now)
        FiledCorrection.create(key_hash=station.citizens.id_hash(identity.id_number), system=system,
                               field=field_name, reference=answer["reference"][:64], filed_at=now,
                               resolved_at=now if applied else None)
        station.audit.record("records.correction", actor=f"citizen:{citizen_id}", object_ref=f"record:{system}",
                             details={"field": field_name, "reference": answer["reference"][:64], "applied": applied,
                                      "source": "card" if identity.source == "card" else identity.source})
    return {"reference": answer["reference"], "applied": applied}


def note_resolved(station: Any, identity: Any, records: list[PartnerRecord], now: float) -> int:
    """Count as resolved each correction the citizen filed whose system now holds the card's
    value (the field no longer differs, nor is pending); once each. Returns how many."""
    open_rows = list(FiledCorrection.select().where(
        (FiledCorrection.key_hash == station.citizens.id_hash(identity.id_number))
        & FiledCorrection.resolved_at.is_null()))
    present = {r.system for r in records}
    differing = {(m.system, m.field) for r in records for m in r.mismatches}
    done = [row for row in open_rows if row.system in present and (row.system, row.field) not in differing]
    if done:
        with transaction():
            for row in done:
                FiledCorrection.update(resolved_at=now).where(FiledCorrection.id == row.id).execute()
                QualityEvent.create(system=row.system, field=row.field, event="resolved", at=now)
    return len(done)


def quality_counts(start: float, end: float) -> list[dict[str, Any]]:
    """The month's data-quality events as counts (system, field, event) for the fleet hub."""
    counts: Counter[tuple[str, str, str]] = Counter(
        (e.system, e.field, e.event) for e in QualityEvent.select().where(QualityEvent.at >= start,
                                                                             QualityEvent.at < end))
    return [{"statistic": "data_quality", "cell": {"system": s, "field": f, "event": e}, "count": n}
            for (s, f, e), n in sorted(counts.items())]
