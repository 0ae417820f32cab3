"""Asking for consent inside a plugin's own flow (the plugin shows its purposes, the citizen agrees).

    from sdk.consent import consent_purposes, grant_consent, withdraw_consent
    from sdk.privacy import has_consent

    purposes = consent_purposes("health")          # the manifest's [[data]] purposes, as shown
    grant_consent("health")                        # the citizen pressed "I agree" (audited)

The ledger, the wording hash and the audit entry are the station's (``sdk.privacy`` reads
them); this module only lets a plugin record the citizen's answer for *its own* categories,
for the citizen at the terminal, without sending them to the "My data" page and back.
"""

from __future__ import annotations

from core.errors import LoginRequired
from core.i18n import current_language, pick
from core.privacy.consent import declared_purposes, grant, withdraw
from core.station import current_station
from sdk.accessors import claim_plugin_id, current_citizen, current_plugin_id


def _who() -> tuple[int, str]:
    citizen, plugin_id = current_citizen(), current_plugin_id()
    if citizen is None:
        raise LoginRequired(pick("Vui lòng xác thực bằng thẻ căn cước hoặc ứng dụng VNeID trước.",
                                 "Please identify yourself with your chip ID card or the VNeID app first."))
    if plugin_id is None:
        raise ValueError("sdk.consent is for plugin routes")
    return citizen.id, plugin_id


def consent_purposes(category: str, plugin_id: str | None = None) -> list[dict[str, str]]:
    """The purposes the plugin's manifest declares for ``category`` (what the citizen agrees to)."""
    plugin_id = claim_plugin_id(plugin_id, "consent_purposes") or current_plugin_id()
    manifest = current_station().manifest_of(plugin_id or "")
    return declared_purposes(manifest).get(category, []) if manifest is not None else []


def grant_consent(category: str) -> None:
    """Record that the citizen at the terminal agrees to this plugin processing ``category``."""
    citizen_id, plugin_id = _who()
    grant(citizen_id, plugin_id, category, language=current_language())


def withdraw_consent(category: str) -> None:
    """Record that the citizen at the terminal withdraws consent for ``category``."""
    citizen_id, plugin_id = _who()
    withdraw(citizen_id, plugin_id, category, language=current_language())


__all__ = ["consent_purposes", "grant_consent", "withdraw_consent"]
