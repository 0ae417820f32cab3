"""Recording audit entries from request handlers, plugins and the CLI."""

from __future__ import annotations

from typing import Any

import flask_login
from flask import has_request_context

from core.audit.log import AuditLog, AuditReceipt
from core.plugin_context import acting_plugin
from core.station import current_station


def audit_log() -> AuditLog:
    """The station's audit log (inside an app context)."""
    return current_station().audit


def current_actor() -> str:
    """Who is acting, as a reference and never personal data: ``citizen:<row id>``,
    ``staff:<username>``, ``anonymous`` in a request, ``system`` outside one."""
    if not has_request_context():
        return "system"
    user = flask_login.current_user
    if not user.is_authenticated:
        return "anonymous"
    if user.kind == "citizen":
        return f"citizen:{user.citizen_id}"
    return f"staff:{user.username}"


def os_actor() -> str:
    """The operating-system user running a command, as an audit actor (``os:<user>``)."""
    import getpass
    import os

    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return f"os:uid-{os.getuid()}"


def record(action: str, *, plugin: str | None = None, object_ref: str | None = None, outcome: str = "ok",
           details: dict[str, Any] | None = None, actor: str | None = None) -> AuditReceipt:
    """Append an audit entry in the current transaction (the station's own code).

    ``plugin`` defaults to the plugin the station is running code for (``core.plugin_context``),
    else ``"core"``. Plugins write through ``sdk.audit``, which refuses another plugin's id.
    """
    if plugin is None:
        plugin = acting_plugin() or "core"
    return audit_log().record(action, actor=actor or current_actor(), plugin=plugin, object_ref=object_ref,
                              outcome=outcome, details=details)
