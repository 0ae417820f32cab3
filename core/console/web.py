"""The station manager console (staff only): overview, and the pages mounted under it.

``/console/`` is the overview; ``plugins``, ``devices``, ``audit`` and ``usage`` are nested
blueprints (``core/console/*.py``). Every view declares its ``console.*`` permission
(``core/console/manifest.toml``); the station's guard sends anonymous visitors to the
staff login and refuses the rest like on any other page.
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import Blueprint, render_template

from core.console.access import may
from core.console.audit import audit_pages, audit_summary
from core.console.devices import device_pages
from core.console.plugins import plugin_pages
from core.console.usage import usage_pages
from core.permissions import requires
from core.plugins import State
from core.station import current_station

console = Blueprint("console", __name__, url_prefix="/console")


@console.app_context_processor
def console_context() -> dict[str, Any]:
    return {"console_may": may, "console_alerts": open_alerts_badge}


def open_alerts_badge() -> int | None:
    """Open manager alerts for the badge on every console page (None: may not see them)."""
    import flask_login
    from flask import current_app

    user = flask_login.current_user
    if not user.is_authenticated or not current_station().policy.allows(user.roles, "payments.alerts"):
        return None
    return current_app.extensions["payments"].open_alert_count()


@console.route("/")
@requires("console.open")
def index() -> str:
    """Overview: plugins with state and reasons, devices with status, the audit log."""
    station = current_station()
    plugins = [r.summary() for r in sorted(station.plugins.records.values(), key=lambda r: r.id)]
    devices = station.devices.statuses()
    counts = {"active": sum(1 for p in plugins if p["state"] == State.ACTIVE.value and p["enabled"]),
              "plugins": len(plugins),
              "ready": sum(1 for d in devices if d["status"] == "READY"), "devices": len(devices)}
    return render_template("console/overview.html", plugins=plugins, devices=devices, counts=counts,
                           audit=audit_summary(), user=flask_login.current_user, page="overview",
                           panels=panels_for(flask_login.current_user))


def panels_for(user: Any) -> list[dict[str, str]]:
    """The plugins' ``manager_panels`` this staff member may open (their views' permissions)."""
    from flask import current_app
    from werkzeug.exceptions import HTTPException

    from core.i18n import current_language
    from core.permissions import access_of
    from core.tiles import Panel, localized

    station = current_station()
    adapter = current_app.url_map.bind("localhost")
    panels = []
    for record, contributed in station.plugins.call_each("manager_panels"):
        for panel in contributed:
            if not isinstance(panel, Panel):
                continue
            try:
                endpoint, _ = adapter.match(panel.url.split("?")[0])
            except HTTPException:
                continue
            access = access_of(current_app.view_functions.get(endpoint))
            if access is None or not (access.is_public or station.policy.allows(user.roles, access.permission)):
                continue
            panels.append({"title": localized(panel.title, current_language()), "url": panel.url,
                           "plugin": record.id, "order": panel.order})
    return sorted(panels, key=lambda p: (p["order"], p["title"]))


for _pages in (plugin_pages, device_pages, audit_pages, usage_pages):
    console.register_blueprint(_pages)
