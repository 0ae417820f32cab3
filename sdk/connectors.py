"""Connectors to national and partner systems, and their embedded simulators.

A plugin defines an interface (an abstract class) for the outside system it talks to —
the e-prescription system, the traffic police, EVN, a bank — and ships at least the
simulator. The site chooses the implementation in ``station.toml``::

    [connectors.prescriptions]
    kind = "simulator"          # the default; anything else names a registered implementation

``connector(name, registry)`` returns the configured instance. A simulator says so:
``simulated = True`` and a ``label`` shown to citizens, so simulated data is never
presented as real. This is the station's one connector registry (``core.connectors``, which
its own payments and VNeID login use too), re-exported unchanged since sdk 1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.connectors import _INSTANCES as _INSTANCES  # private; tests written against 1.x clear it
from core.connectors import Connector, ConnectorUnavailable, Simulator, station_connector
from core.station import current_station


def connector(name: str, registry: Mapping[str, Callable[[Mapping[str, Any]], Connector]]) -> Any:
    """The site's connector ``name``: ``registry[kind](settings)``, created once per station.

    ``registry`` maps kinds to factories, e.g. ``{"simulator": PrescriptionSimulator}``.
    """
    return station_connector(current_station(), name, registry)


__all__ = ["Connector", "ConnectorUnavailable", "Simulator", "connector"]
