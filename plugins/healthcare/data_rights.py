"""Data-subject rights: everything the plugin holds about a citizen, and its erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models import Booking, InsuranceCard, RxOrder, Screening, ShopOrder, VideoCall, VideoSignal


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export(citizen_id: int) -> dict[str, Any]:
    """Screenings (decrypted), the BHYT card code, prescription and shop orders, bookings."""
    screenings = Screening.select().where(Screening.citizen_id == citizen_id).order_by(Screening.id)
    card = InsuranceCard.get_or_none(InsuranceCard.citizen_id == citizen_id)
    return {
        "health_insurance_card": None if card is None else {"code": card.code, "updated_at": _iso(card.updated_at)},
        "screenings": [{"taken_at": _iso(s.taken_at), "state": s.state, **(s.vitals or {})} for s in screenings],
        "prescription_orders": [{"created_at": _iso(o.created_at), "prescription": o.code, "state": o.state,
                                 "lines": o.lines, "total_vnd": o.total_vnd, "pickup_code": o.pickup_code,
                                 "posted_to_national_system": o.posted}
                                for o in RxOrder.select().where(RxOrder.citizen_id == citizen_id).order_by(RxOrder.id)],
        "shop_orders": [{"created_at": _iso(o.created_at), "state": o.state, "lines": o.lines,
                         "total_vnd": o.total_vnd, "pickup_code": o.pickup_code}
                        for o in ShopOrder.select().where(ShopOrder.citizen_id == citizen_id).order_by(ShopOrder.id)],
        "teleconsultations": [{"doctor": b.doctor_name, "start": _iso(b.start), "state": b.state,
                               "shared_screening": b.screening_id is not None}
                              for b in Booking.select().where(Booking.citizen_id == citizen_id).order_by(Booking.id)],
        "video_calls": [{"started": _iso(c.created_at), "answered": _iso(c.answered_at), "ended": _iso(c.ended_at),
                         "state": c.state}
                        for c in VideoCall.select().where(VideoCall.citizen_id == citizen_id).order_by(VideoCall.id)],
    }


def erase(citizen_id: int) -> None:
    """Delete the citizen's rows (the audit log keeps only references)."""
    calls = [c.id for c in VideoCall.select(VideoCall.id).where(VideoCall.citizen_id == citizen_id)]
    if calls:
        VideoSignal.delete().where(VideoSignal.call_id.in_(calls)).execute()
    for model in (Screening, InsuranceCard, RxOrder, ShopOrder, Booking, VideoCall):
        model.delete().where(model.citizen_id == citizen_id).execute()
