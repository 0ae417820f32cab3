"""Recording audit entries from request handlers, plugins and the CLI."""

from __future__ import annotations

from typing import Any

import flask_login
from flask import current_app, has_request_context, request

from core.audit.log import AuditLog, AuditReceipt


def audit_log() -> AuditLog:
    """The station's audit log (inside an app context)."""
    return current_app.extensions["station"].audit


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
    """Append an audit entry in the current transaction; the plugin defaults to the route's."""
    if plugin is None:
        plugin = "core"
        if has_request_context() and request.blueprint:
            blueprint = request.blueprint.split(".")[0]
            if blueprint in current_app.extensions["station"].plugins.records:
                plugin = blueprint
    return audit_log().record(action, actor=actor or current_actor(), plugin=plugin, object_ref=object_ref,
                              outcome=outcome, details=details)
