"""Teleconsultation: book, view and cancel a slot with the operator's doctors; optionally share
the latest screening; the join information appears at the appointment time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import redirect, render_template, request, url_for

from sdk import (
    NotFoundError,
    UserInputError,
    audit,
    current_citizen,
    get_owned,
    now,
    pick,
    plugin_settings,
    requires,
    transaction,
)
from sdk.formatting import station_time
from sdk.lists import limit_rate
from sdk.privacy import has_consent, read_personal

from ..connector import schedule
from ..models import Booking, Screening
from ..schemas import BookingForm, load_form
from . import bp

SHARE_PURPOSE = {"vi": "Gửi kết quả đo gần nhất cho bác sĩ khám từ xa (theo lựa chọn của bạn)",
                 "en": "Share your latest screening with the teleconsultation doctor (your choice)"}


def join_window(booking: Booking, at: float, early_minutes: int) -> bool:
    """True while the join information may be shown: from ``early_minutes`` before the start to the end."""
    return booking.state == "booked" and booking.start - early_minutes * 60 <= at < booking.start + booking.minutes * 60


WEEKDAYS = (("Thứ Hai", "Monday"), ("Thứ Ba", "Tuesday"), ("Thứ Tư", "Wednesday"), ("Thứ Năm", "Thursday"),
            ("Thứ Sáu", "Friday"), ("Thứ Bảy", "Saturday"), ("Chủ nhật", "Sunday"))


def _local(epoch: float) -> datetime:
    return station_time(float(epoch))  # type: ignore[return-value]


def day_picker(slots: list[Any], at: float) -> list[dict[str, Any]]:
    """The days that have free slots: ``{"key": "2026-12-05", "label": "Hôm nay", "date": "05/12", "count"}``."""
    today = _local(at).date()
    days: dict[date, int] = {}
    for slot in slots:
        day = _local(slot.start).date()
        days[day] = days.get(day, 0) + 1
    out = []
    for day, count in sorted(days.items()):
        offset = (day - today).days
        label = (pick("Hôm nay", "Today") if offset == 0 else pick("Ngày mai", "Tomorrow") if offset == 1
                 else pick(*WEEKDAYS[day.weekday()]))
        out.append({"key": day.isoformat(), "label": label, "date": day.strftime("%d/%m"), "count": count})
    return out


def time_grid(slots: list[Any], day_key: str) -> list[dict[str, Any]]:
    """The chosen day's free slots grouped by doctor: ``{"doctor", "slots": [(slot, "08:30")]}``."""
    groups: dict[str, dict[str, Any]] = {}
    for slot in slots:
        local = _local(slot.start)
        if local.date().isoformat() != day_key:
            continue
        group = groups.setdefault(slot.doctor.id, {"doctor": slot.doctor, "slots": []})
        group["slots"].append((slot, local.strftime("%H:%M")))
    return list(groups.values())


@bp.route("/tele")
@requires("healthcare.use")
def tele() -> Any:
    """My upcoming bookings; a day picker and that day's free times, as large buttons per doctor."""
    at = now()
    mine = (Booking.select().where((Booking.citizen_id == current_citizen().id) & (Booking.state == "booked")
                                   & (Booking.start + Booking.minutes * 60 > at)).order_by(Booking.start))
    slots = schedule().free_slots(at)
    days = day_picker(slots, at)
    chosen = request.args.get("day", "")
    if chosen not in {d["key"] for d in days}:
        chosen = days[0]["key"] if days else ""
    return render_template("healthcare/tele.html", bookings=list(mine), days=days, day=chosen,
                           grid=time_grid(slots, chosen), conn=schedule())


@bp.route("/tele/book", methods=["POST"])
@requires("healthcare.use")
def tele_book() -> Any:
    """Book a slot; with the box ticked, the latest screening is attached for the doctor."""
    form = load_form(BookingForm, request.form)
    citizen_id = current_citizen().id
    slot = schedule().slot(form["slot_id"])
    if slot is None or slot.start <= now():
        raise UserInputError(pick("Khung giờ này không còn nhận đặt.", "This slot can no longer be booked."))
    screening_id = None
    if form["share_screening"]:
        if not has_consent(citizen_id, "healthcare", "health"):
            raise UserInputError(pick("Bạn chưa có kết quả đo nào để gửi.", "You have no screening to share yet."))
        latest = (Screening.select().where((Screening.citizen_id == citizen_id) & (Screening.state == "done"))
                  .order_by(Screening.taken_at.desc()).first())
        screening_id = latest.id if latest else None
    limit_rate("booking", per_citizen=(5, 86400), per_station=(200, 3600))
    with transaction():
        booking = Booking.create(citizen_id=citizen_id, slot_id=slot.id, doctor_name=slot.doctor.name,
                                 specialty=slot.doctor.specialty, start=slot.start, minutes=slot.minutes,
                                 state="booked", screening_id=screening_id, created_at=now())
        try:
            booking.join = schedule().book(slot.id, reference=f"booking:{booking.id}")
        except ValueError:
            raise UserInputError(pick("Khung giờ này vừa có người đặt. Vui lòng chọn giờ khác.",
                                      "Someone just booked this slot. Please choose another.")) from None
        booking.save()
        audit("healthcare.tele_book", object_ref=f"booking:{booking.id}",
              details={"slot": slot.id, "shared_screening": screening_id is not None})
    return redirect(url_for("healthcare.tele_booking", booking_id=booking.id), code=303)


@bp.route("/tele/bookings/<int:booking_id>")
@requires("healthcare.use")
def tele_booking(booking_id: int) -> Any:
    """The booking; at the appointment time, how to join."""
    booking = get_owned(Booking, booking_id)
    shared = None
    if booking.screening_id:
        row = Screening.get_or_none(Screening.id == booking.screening_id)
        shared = read_personal(row, purpose=SHARE_PURPOSE) if row is not None else None
    show_join = join_window(booking, now(), plugin_settings()["join_early_minutes"])
    return render_template("healthcare/tele_booking.html", booking=booking, shared=shared, show_join=show_join,
                           now=now(), conn=schedule())


@bp.route("/tele/bookings/<int:booking_id>/cancel", methods=["POST"])
@requires("healthcare.use")
def tele_cancel(booking_id: int) -> Any:
    """Cancel before the appointment starts; the slot is freed."""
    booking = get_owned(Booking, booking_id)
    if booking.state != "booked":
        raise NotFoundError("Not found.")
    if now() >= booking.start:
        raise UserInputError(pick("Buổi khám đã bắt đầu, không thể huỷ.", "The consultation has started; it cannot "
                                  "be cancelled."))
    with transaction():
        schedule().cancel(booking.slot_id, reference=f"booking:{booking.id}")
        booking.state = "cancelled"
        booking.save()
        audit("healthcare.tele_cancel", object_ref=f"booking:{booking.id}")
    return redirect(url_for("healthcare.tele"), code=303)
