"""The station manager console (staff only): plugins, devices, audit at a glance."""

from __future__ import annotations

import flask_login
from flask import Blueprint, render_template

from core.errors import LoginRequired, PermissionDenied
from core.station import current_station

console = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ROLES = frozenset({"manager", "operator", "auditor", "pharmacist"})


@console.before_request
def staff_only() -> None:
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "staff":
        raise LoginRequired("Please log in as staff first.")
    if not CONSOLE_ROLES & set(user.roles):
        raise PermissionDenied("Your role has no access to the station console.")


@console.route("/")
def index() -> str:
    """Overview: plugins with state and reasons, devices with status."""
    station = current_station()
    plugins = [r.summary() for r in sorted(station.plugins.records.values(), key=lambda r: r.id)]
    return render_template("console.html", plugins=plugins, devices=station.devices.statuses(),
                           user=flask_login.current_user)
