"""Public safety — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Tile, hookimpl

from .models import Report
from .views import STATION, bp


@hookimpl
def register_routes(registrar: Any) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def startup(station: Any) -> None:
    STATION.update(site_id=station.site_id, site_name=dict(station.site_name), address=station.address)


@hookimpl
def home_tiles(citizen: Any) -> list[Tile]:
    return [Tile(title={"vi": "Khẩn cấp 113 · 114 · 115", "en": "Emergency 113 · 114 · 115"},
                 subtitle={"vi": "Gọi khẩn cấp, báo tin cho công an phường — không cần đăng nhập",
                           "en": "Emergency numbers and reports to the ward police — no login needed"},
                 url=url_for("security.index"), icon="shield", order=1)]


@hookimpl
def open_observations(since: float, until: float) -> list[dict[str, Any]]:
    from sdk import plugin_settings

    from .environment import open_observations as observations
    from .environment import thresholds

    return observations(since, until, thresholds(plugin_settings()))


@hookimpl
def citizen_data_export(citizen: Any) -> dict[str, Any]:
    return {"reports": [{"tracking_code": r.tracking_code, "kind": r.kind, "category": r.category,
                         "content": r.content}
                        for r in Report.select().where(Report.citizen_id == citizen.id).order_by(Report.id)]}


@hookimpl
def citizen_data_erase(citizen: Any) -> None:
    Report.delete().where(Report.citizen_id == citizen.id).execute()
