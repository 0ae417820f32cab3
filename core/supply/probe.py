"""``python -m core.supply.probe HOME PLUGIN_ID``: start the station in this fresh process and
print the plugin's state as one JSON line (its migrations and ``startup`` run; a plugin not
enabled for the site is loaded on a scratch app so that its start is still tried)."""

from __future__ import annotations

import json
import logging
import sys

from core.station import current_station


def main(argv: list[str]) -> int:
    """Print ``{"state": ..., "reasons": [...], "version": ...}``."""
    from flask import Flask

    from core.app import create_app
    from core.config import load_config
    from core.plugins import State

    logging.basicConfig(level=logging.ERROR)
    home, plugin_id = argv
    try:
        app = create_app(load_config(home))
    except Exception as exc:  # the report is the point
        print(json.dumps({"state": "failed", "reasons": [f"the station did not start: {exc}"]}))
        return 0
    station = current_station(app)
    record = station.plugins.records.get(plugin_id)
    if record is None:
        print(json.dumps({"state": "failed", "reasons": ["the station does not find the plugin"]}))
        return 0
    with app.app_context():
        if record.state is State.DISABLED and not record.enabled:
            record.reasons.clear()
            station.plugins._load_one(Flask("probe"), record, station.info_for, True)
            started = record.state is State.ACTIVE
            if started:
                station.plugins._call_impl(record, "shutdown", station=station.info_for(record))
                record.state = State.DISABLED
        else:
            station.plugins.shutdown(station.info_for)
    version = record.manifest.version if record.manifest else None
    print(json.dumps({"state": record.state.value, "reasons": record.reasons, "version": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
