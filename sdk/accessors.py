"""Who and where: the current citizen or staff member, this plugin's settings, the clock."""

from __future__ import annotations

import warnings
from typing import Any

from flask import current_app, has_app_context, has_request_context, request

from core.audit.api import record
from core.audit.log import AuditReceipt
from core.identity.principals import CitizenPrincipal, StaffPrincipal, current_principal
from core.identity.views import CitizenView, StaffView
from core.plugin_context import PluginIdentityError
from core.station import current_station


def current_citizen() -> CitizenView | None:
    """The citizen at the terminal, or None (visitor or staff)."""
    if not has_request_context():
        return None
    user = current_principal()
    if not isinstance(user, CitizenPrincipal):  # a visitor (anonymous) or a staff member
        return None
    return CitizenView(user.citizen_id, user.assurance, user.method)


def current_staff() -> StaffView | None:
    """The staff member logged in, or None."""
    if not has_request_context():
        return None
    user = current_principal()
    if not isinstance(user, StaffPrincipal):
        return None
    return StaffView(user.staff_id, user.username, user.roles)


def current_plugin_id() -> str | None:
    """The id of the plugin the station is running code for: the one whose hook is being called
    or whose page is being served (set by the station, never claimed by the plugin)."""
    if has_app_context():
        acting = current_station().plugins.acting_plugin_id()
        if acting is not None:
            return acting
    if not has_request_context() or not request.blueprint:
        return None
    return request.blueprint.split(".")[0]


def claim_plugin_id(claimed: str | None, what: str) -> str | None:
    """The acting plugin's id, checked against the id a caller passed (sdk 1.0 style).

    Passing one's own id still works but warns (:class:`DeprecationWarning`); passing another
    plugin's id raises :class:`PluginIdentityError` (403). Outside any plugin (the station's
    own code, tests) the claim is taken as given.
    """
    acting = current_station().plugins.acting_plugin_id() if has_app_context() else None
    if acting is None or claimed is None:
        return acting if claimed is None else claimed
    if claimed != acting:
        raise PluginIdentityError(f"plugin {acting!r} may not act as plugin {claimed!r} ({what})")
    warnings.warn(f"{what}: the station sets the plugin id; drop plugin={claimed!r} (deprecated in sdk 1.1)",
                  DeprecationWarning, stacklevel=3)
    return acting


def audit(action: str, *, plugin: str | None = None, object_ref: str | None = None, outcome: str = "ok",
          details: dict[str, Any] | None = None, actor: str | None = None) -> AuditReceipt:
    """Append an audit entry in the current transaction, under the acting plugin's id.

    The station knows which plugin is acting (its page, its hook — ``payment_settled``
    included); ``plugin`` is deprecated (sdk 1.1) and another plugin's id is refused with
    :class:`PluginIdentityError`. ``actor`` defaults to the logged-in citizen or staff member.
    """
    acting = claim_plugin_id(plugin, "audit")
    return record(action, plugin=acting or "core", object_ref=object_ref, outcome=outcome, details=details,
                  actor=actor)


def plugin_settings(plugin_id: str | None = None) -> dict[str, Any]:
    """This plugin's effective per-site settings (manifest defaults + site overrides).

    ``plugin_id`` is deprecated (sdk 1.1): another plugin's id is refused.
    """
    plugin_id = claim_plugin_id(plugin_id, "plugin_settings") or current_plugin_id()
    return current_station().settings_of(plugin_id or "")


def now() -> float:
    """The station clock (epoch seconds); tests move it instead of sleeping."""
    return current_app.config["STATION_CLOCK"]()


def verified_identity() -> Any:
    """What the card or VNeID proved about the citizen at the terminal (this session only):
    ``id_number``, ``full_name``, ``date_of_birth``, ``sex``, ``place_of_origin``,
    ``residence``, ``nationality``, ``source``; None without a verified citizen."""
    if current_citizen() is None:
        return None
    from core.identity.session_identity import load_identity

    return load_identity()


def citizen_matches_id_number(id_number: str) -> bool:
    """True when ``id_number`` is the verified number of the citizen at the terminal.

    Compares keyed hashes in constant time ("right person, right prescription").
    """
    citizen = current_citizen()
    if citizen is None:
        return False
    return current_station().citizens.matches(citizen.id, id_number.strip())
