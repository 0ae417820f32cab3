"""Plugin versions the hub's staged rollouts offer this station (``GET /api/v1/plugins``).

The answer is a C2SP note signed by the hub's configuration key (learnt at enrolment) naming
this station and a version; the station refuses a forged note, another station's, or one not
newer than the last it acted on (a replay). For each offered plugin whose installed version
differs it installs the offered version through the TUF client (a downgrade only when the
offer says it is a rollback), and the next heartbeat tells the hub how it went.
"""

from __future__ import annotations

import json
from typing import Any

from core.audit.note import NoteError, parse_verifier_key, verify_note
from core.errors import StationError, UserInputError

NOTE_HEADER = "citizen-station/hub-plugins/v1"


def open_offers(note: str, config_key: str, station_id: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """Verify the hub's note; returns (version, offers) or raises :class:`UserInputError`."""
    try:
        verified = verify_note(note, [parse_verifier_key(config_key)])
    except NoteError as error:
        raise UserInputError(f"the plugin offers are not signed by this hub's configuration key ({error})") from None
    lines = verified.text.split("\n")
    if len(lines) < 4 or lines[0] != NOTE_HEADER or not lines[2].isdigit():
        raise UserInputError("the hub sent plugin offers in an unknown format")
    if lines[1] != station_id:
        raise UserInputError("the hub sent another station's plugin offers")
    offers = json.loads(lines[3])
    if not isinstance(offers, dict):
        raise UserInputError("the plugin offers are not a JSON object")
    return int(lines[2]), offers


def apply_offers(station: Any, version: int, offers: dict[str, dict[str, Any]], installer: Any) -> list[str]:
    """Install what the offers ask for (once per offers version); returns one line per plugin."""
    from core.supply.models import PluginSupplyState

    row = PluginSupplyState.get_or_none(PluginSupplyState.id == 1)
    if row is not None and version <= row.offers_version:
        return []
    lines = []
    for plugin_id, offer in sorted(offers.items()):
        wanted = str(offer.get("version") or "")
        if not wanted or installer.installed_version(plugin_id) == wanted:
            continue
        try:
            result = installer.install(plugin_id, wanted, allow_downgrade=bool(offer.get("rollback")))
            lines.append(f"{plugin_id}: {result.action} to {result.version}")
        except StationError as error:
            lines.append(f"{plugin_id}: {wanted} not installed: {error}")
    (PluginSupplyState.insert(id=1, offers_version=version, changed_at=station.clock())
     .on_conflict(conflict_target=[PluginSupplyState.id],
                  update={PluginSupplyState.offers_version: version}).execute())
    return lines
