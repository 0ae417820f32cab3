"""The station manager console (staff only): overview, and the pages mounted under it.

``/console/`` is the overview; ``plugins``, ``devices``, ``audit`` and ``usage`` are nested
blueprints (``core/console/*.py``). Every view declares its ``console.*`` permission
(``core/console/manifest.toml``); the station's guard sends anonymous visitors to the
staff login and refuses the rest like on any other page.
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import Blueprint, Response, redirect, render_template, request, session, url_for

from core.console.access import may
from core.console.alerts import alert_pages
from core.console.audit import audit_pages, audit_summary
from core.console.devices import device_pages
from core.console.operations import operation_pages
from core.console.plugins import plugin_pages
from core.console.staff import staff_pages
from core.console.usage import usage_pages
from core.permissions import requires
from core.plugins import State
from core.station import current_station

console = Blueprint("console", __name__, url_prefix="/console")


@console.app_context_processor
def console_context() -> dict[str, Any]:
    from core.console import labels

    return {"console_may": may, "console_alerts": open_alerts_badge, "console_banners": console_banners,
            "device_status": labels.device_status, "device_kind": labels.device_kind,
            "device_reason": labels.device_reason, "plugin_state": labels.plugin_state,
            "plugin_reason": labels.plugin_reason, "audit_outcome": labels.audit_outcome,
            "device_make": labels.device_make}


def console_banners() -> list[dict[str, str]]:
    """Banners on every console page: safe mode, chip-card login off (with what to do)."""
    from core.health import card_login_state
    from core.i18n import _

    config = current_station().config
    banners = []
    if config.safe_mode:
        banners.append({"id": "banner-safe-mode", "text": _(
            "Safe mode: only built-in plugins are loaded. Restart the station without --safe-mode "
            "(and with [plugins] safe_mode = false) to load the others.")})
    if card_login_state(config.home / config.identity["trust_store"]) != "on":
        banners.append({"id": "banner-card-login-off", "text": _(
            "Chip-card login is off: the station has no CSCA certificate. Copy the national CSCA "
            "certificates into the trust/csca folder of the station (see the manager's guide).")})
    return banners


def open_alerts_badge() -> int | None:
    """Open manager alerts for the badge on every console page (None: may not see them)."""
    import flask_login
    from flask import current_app

    user = flask_login.current_user
    if not user.is_authenticated or not current_station().policy.allows(user.roles, "payments.alerts"):
        return None
    return current_app.extensions["payments"].open_alert_count()


@console.before_request
def ask_for_a_new_password() -> Response | None:
    """A member whose password a manager set must choose their own before anything else."""
    user = flask_login.current_user
    if getattr(user, "must_change_password", False) and request.endpoint != "console.password":
        return redirect(url_for("console.password"))
    return None


@console.route("/password", methods=["GET", "POST"])
@requires("console.open")
def password() -> Response | str | tuple[str, int]:
    """The logged-in member changes their own password (the other sessions end)."""
    from core.audit.log import transaction
    from core.errors import UserInputError
    from core.i18n import _
    from core.identity.staff import StaffDirectory
    from core.sessions import _hash

    user = flask_login.current_user
    forced = bool(getattr(user, "must_change_password", False))
    if request.method == "GET":
        return render_template("console/password_change.html", forced=forced, error=None, page="password")
    station = current_station()
    error = None
    account = station.staff.get(user.username)
    if not StaffDirectory._password_ok(account, request.form.get("current", "")):
        error = _("The current password is wrong.")
    elif request.form.get("password", "") != request.form.get("again", ""):
        error = _("The two new passwords differ.")
    elif account.must_change_password and StaffDirectory._password_ok(account, request.form.get("password", "")):
        error = _("Choose a password different from the one the manager set.")
    else:
        try:
            sid = getattr(session, "sid", None)
            with transaction():
                station.staff.set_password(user.username, request.form.get("password", ""),
                                           keep_session=_hash(sid) if sid else None)
                station.audit.record("users.passwd", actor=f"staff:{user.username}",
                                     object_ref=f"staff:{user.username}", details={"own": True})
        except UserInputError as exc:
            error = str(exc)
    if error:
        return render_template("console/password_change.html", forced=forced, error=error, page="password"), 400
    from flask import flash

    flash(_("Your password is changed."), "ok")
    return redirect(url_for("console.index"))


@console.route("/")
@requires("console.open")
def index() -> str:
    """Overview: what needs attention (database, disk, devices, plugins), plugins with state and
    reasons, devices with status, the audit log."""
    station = current_station()
    plugins = [r.summary() for r in sorted(station.plugins.records.values(), key=lambda r: r.id)]
    devices = station.devices.statuses()
    counts = {"active": sum(1 for p in plugins if p["state"] == State.ACTIVE.value and p["enabled"]),
              "plugins": len(plugins),
              "ready": sum(1 for d in devices if d["status"] == "READY"), "devices": len(devices)}
    from core.health import console_causes

    return render_template("console/overview.html", plugins=plugins, devices=devices, counts=counts,
                           causes=console_causes(station), audit=audit_summary(), user=flask_login.current_user, page="overview",
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


for _pages in (plugin_pages, device_pages, audit_pages, usage_pages, staff_pages, operation_pages, alert_pages):
    console.register_blueprint(_pages)
