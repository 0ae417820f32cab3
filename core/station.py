"""The running station: configuration, clock, plugins and policy, shared by every request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from core.refusal_limit import RefusalLimiter
from core.settings import check_with_schema, resolve_settings

if TYPE_CHECKING:  # the services' types only: any core module may import current_station without a cycle
    from core.audit.log import AuditLog
    from core.config import Config
    from core.devices import StationDevices
    from core.identity.card_login import CardLogin
    from core.identity.citizens import CitizenRegistry
    from core.identity.staff import StaffDirectory
    from core.identity.vneid import VneidLoginService
    from core.permissions import PermissionPolicy
    from core.plugins import PluginManager, PluginRecord


@dataclass(frozen=True)
class StationInfo:
    """What a plugin's ``startup``/``shutdown`` hooks learn about the station.

    ``site_name`` is ``{"vi": ..., "en": ...}``; ``settings`` are the plugin's effective
    per-site settings; ``timezone`` is the site's IANA time zone (sdk 1.1).
    """

    site_id: str
    site_name: dict[str, str]
    address: str
    plugin_id: str
    settings: dict[str, Any]
    connectors: dict[str, Any] = field(default_factory=dict)
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass
class Station:
    """Services of one running station, reachable as ``current_station()`` in a request."""

    config: Config
    clock: Callable[[], float]
    plugins: PluginManager
    policy: PermissionPolicy
    audit: AuditLog
    devices: StationDevices
    staff: StaffDirectory
    citizens: CitizenRegistry
    card_login: CardLogin
    vneid: VneidLoginService
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusals: RefusalLimiter | None = None

    def __post_init__(self) -> None:
        if self.refusals is None:
            self.refusals = RefusalLimiter(self.clock)

    def info_for(self, record: PluginRecord) -> StationInfo:
        """The :class:`StationInfo` handed to ``record``'s hooks.

        The site's settings are validated here, at start: against the manifest's declarations,
        then by the plugin's ``settings_schema`` hook if it has one (an invalid ``station.toml``
        value marks the plugin FAILED naming the key, instead of surfacing at first use).
        """
        if record.id not in self.settings:
            values = resolve_settings(record.manifest, self.config.plugin_settings.get(record.id, {}))
            if record.module is not None:
                schema = self.plugins.call_one(record.id, "settings_schema")
                if schema is not None:
                    check_with_schema(schema, values, f"plugin_settings.{record.id}")
            self.settings[record.id] = values
        site = self.config.site
        return StationInfo(site_id=site["id"], site_name={"vi": site["name_vi"], "en": site["name_en"]},
                           address=site["address"], plugin_id=record.id, settings=self.settings[record.id],
                           connectors=self.config.connectors,
                           timezone=site.get("timezone", "Asia/Ho_Chi_Minh"))


    # -- the narrow interface the sdk uses (instead of reaching into the services) ---------------

    def manifest_of(self, plugin_id: str) -> Any:
        """The manifest of plugin ``plugin_id`` (None when unknown or unreadable)."""
        record = self.plugins.records.get(plugin_id)
        return record.manifest if record is not None else None

    def settings_of(self, plugin_id: str) -> dict[str, Any]:
        """Plugin ``plugin_id``'s effective per-site settings (a copy); NotFoundError when unknown."""
        return dict(self.info_for(self.plugins.get(plugin_id)).settings)

    def verify_card(self, reader: Any, now: Any) -> Any:
        """Read the chip card on ``reader`` (BAC from its MRZ) and passive-authenticate it."""
        return self.card_login.verify(reader, self.card_login.scan_mrz_information(reader), now)


def current_station(app: Flask | None = None) -> Station:
    """The station serving the current request (or ``app``)."""
    return (app or current_app).extensions["station"]
