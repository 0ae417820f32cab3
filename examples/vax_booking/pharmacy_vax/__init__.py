"""Vaccination booking (example partner plugin): hook implementations only."""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Panel, Tile, hookimpl

from .models import Booking
from .views import bp


@hookimpl
def register_routes(registrar: Any) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen: Any) -> list[Tile]:
    return [Tile(title={"vi": "Đặt lịch tiêm chủng", "en": "Vaccination booking"},
                 url=url_for("vax_booking.index"), icon="service", order=40)]


@hookimpl
def manager_panels() -> list[Panel]:
    return [Panel(title={"vi": "Lịch tiêm đã đặt", "en": "Vaccination bookings"},
                  url=url_for("vax_booking.staff_list"), order=40)]


@hookimpl
def citizen_data_export(citizen: Any) -> dict[str, Any]:
    rows = Booking.select().where(Booking.citizen_id == citizen.id).order_by(Booking.id)
    return {"bookings": [{"vaccine": r.vaccine, "day": r.day} for r in rows]}


@hookimpl
def citizen_data_erase(citizen: Any) -> None:
    Booking.delete().where(Booking.citizen_id == citizen.id).execute()
