"""The station manager console (staff only): overview, and the pages mounted under it.

``/console/`` is the overview; ``plugins``, ``devices``, ``audit`` and ``usage`` are nested
blueprints (``core/web/console_*.py``), so the staff check below guards every one of them.
Who may do what is decided by role (:data:`PAGE_ROLES`), on top of being staff at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import flask_login
from flask import Blueprint, render_template

from core.audit.store import AuditCheckpoint, AuditHead
from core.errors import LoginRequired, PermissionDenied
from core.i18n import _
from core.plugins import State
from core.station import current_station

console = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ROLES = frozenset({"manager", "operator", "auditor", "pharmacist"})
# what each role may do in the console (the station's "*" manager role gets everything)
PAGE_ROLES = {
    "plugins.view": {"manager", "operator", "auditor"},
    "plugins.change": {"manager"},
    "devices.view": {"manager", "operator"},
    "devices.test": {"manager", "operator"},
    "audit.view": {"manager", "auditor"},
    "audit.verify": {"manager", "auditor"},
    "usage.view": {"manager", "auditor", "operator"},
}

F = TypeVar("F", bound=Callable[..., Any])


@console.before_request
def staff_only() -> None:
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "staff":
        raise LoginRequired("Please log in as staff first.")
    if not CONSOLE_ROLES & set(user.roles):
        raise PermissionDenied("Your role has no access to the station console.")


def may(action: str) -> bool:
    """Whether the logged-in staff member's roles allow ``action`` (see :data:`PAGE_ROLES`)."""
    user = flask_login.current_user
    return bool(user.is_authenticated and PAGE_ROLES[action] & set(getattr(user, "roles", ())))


def allowed(action: str) -> Callable[[F], F]:
    """View decorator: refuse (403) unless the staff member's roles allow ``action``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not may(action):
                raise PermissionDenied(_("Your role may not do this in the console."))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@console.app_context_processor
def console_context() -> dict[str, Any]:
    return {"console_may": may}


def audit_summary() -> dict[str, Any]:
    """Log size and the newest signed checkpoint (no new checkpoint is made by looking)."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    latest = AuditCheckpoint.select().order_by(AuditCheckpoint.size.desc()).first()
    return {"size": head.size if head else 0, "checkpoint": latest}


@console.route("/")
def index() -> str:
    """Overview: plugins with state and reasons, devices with status, the audit log."""
    station = current_station()
    plugins = [r.summary() for r in sorted(station.plugins.records.values(), key=lambda r: r.id)]
    devices = station.devices.statuses()
    counts = {"active": sum(1 for p in plugins if p["state"] == State.ACTIVE.value and p["enabled"]),
              "plugins": len(plugins),
              "ready": sum(1 for d in devices if d["status"] == "READY"), "devices": len(devices)}
    return render_template("console/overview.html", plugins=plugins, devices=devices, counts=counts,
                           audit=audit_summary(), user=flask_login.current_user, page="overview")


def _mount_pages() -> None:
    from core.web.console_audit import audit_pages
    from core.web.console_devices import device_pages
    from core.web.console_plugins import plugin_pages
    from core.web.console_usage import usage_pages

    for pages in (plugin_pages, device_pages, audit_pages, usage_pages):
        console.register_blueprint(pages)


_mount_pages()
