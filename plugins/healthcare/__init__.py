"""Health and pharmacy — built-in plugin of a (simulated) pharmacy-chain partner.

Hook implementations only: the wiring. Pages are in ``views/``, rules in ``vitals.py``,
``prescriptions.py`` and ``screening.py``, outside systems in ``connector.py``.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Panel, Tile, hookimpl

from . import checkout, data_rights, site
from .views import bp


@hookimpl
def register_routes(registrar: Any) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def startup(station: Any) -> None:
    site.remember_site(station.site_id)
    from .videocall import parse_ice_servers

    parse_ice_servers(station.settings.get("ice_servers", ""))  # a bad value fails the plugin, naming it


@hookimpl
def home_tiles(citizen: Any) -> list[Tile]:
    return [Tile(title={"vi": "Y tế và nhà thuốc", "en": "Health and pharmacy"},
                 subtitle={"vi": "Đo sức khoẻ, đơn thuốc điện tử, mua thuốc, khám từ xa",
                           "en": "Screening, e-prescriptions, medicine, teleconsultation"},
                 url=url_for("healthcare.index"), icon="health")]


@hookimpl
def manager_panels() -> list[Panel]:
    return [Panel(title={"vi": "Dược sĩ: duyệt đơn thuốc", "en": "Pharmacist: approve prescriptions"},
                  url=url_for("healthcare.pharmacist_queue"))]


@hookimpl
def payment_settled(payment: Any) -> None:
    checkout.settle(payment)


@hookimpl
def planning_counts(period_start: float, period_end: float) -> list[dict[str, Any]]:
    from .planning import planning_counts as counts

    return counts(period_start, period_end)


@hookimpl
def citizen_data_export(citizen: Any) -> dict[str, Any]:
    return data_rights.export(citizen.id)


@hookimpl
def citizen_data_erase(citizen: Any) -> None:
    data_rights.erase(citizen.id)


@hookimpl
def citizen_records(identity: Any) -> list[dict[str, Any]]:
    from .insurance_record import records_for

    return records_for(identity)


@hookimpl
def record_correction(system: str, field: str, value: str) -> dict[str, Any] | None:
    from sdk import now, verified_identity

    from .insurance_record import SYSTEM, request_adjustment

    identity = verified_identity()
    if system != SYSTEM or identity is None:
        return None
    return request_adjustment(identity.id_number, field, value, now())
