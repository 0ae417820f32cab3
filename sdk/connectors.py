"""Connectors to national and partner systems, and their embedded simulators.

A plugin defines an interface (an abstract class) for the outside system it talks to —
the e-prescription system, the traffic police, EVN, a bank — and ships at least the
simulator. The site chooses the implementation in ``station.toml``::

    [connectors.prescriptions]
    kind = "simulator"          # the default; anything else names a registered implementation

``connector(name, registry)`` returns the configured instance. A simulator says so:
``simulated = True`` and a ``label`` shown to citizens, so simulated data is never
presented as real.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from core.errors import ConfigError


class Connector:
    """Base of every connector. Subclasses set ``simulated`` and ``label``."""

    simulated: bool = False
    label: dict[str, str] = {"vi": "", "en": ""}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)


class Simulator(Connector):
    """Base of embedded simulators: clearly labelled as such everywhere a user can see."""

    simulated = True
    label = {"vi": "Hệ thống mô phỏng — dữ liệu không có thật", "en": "Simulated system — not real data"}


class ConnectorUnavailable(Exception):
    """The outside system did not answer; the citizen should try again later."""


# Connector instances per live station, by id(station). The entry is dropped when its station
# is collected, so a later station that happens to get the same id starts afresh (before, an
# old station's simulators, with their state, were handed to a new one: seen between tests).
_INSTANCES: dict[int, dict[str, Connector]] = {}


def connector(name: str, registry: Mapping[str, Callable[[Mapping[str, Any]], Connector]]) -> Any:
    """The site's connector ``name``: ``registry[kind](settings)``, created once per station.

    ``registry`` maps kinds to factories, e.g. ``{"simulator": PrescriptionSimulator}``.
    """
    station = current_app.extensions["station"]
    instances = _INSTANCES.get(id(station))
    if instances is None:
        instances = _INSTANCES[id(station)] = {}
        weakref.finalize(station, _INSTANCES.pop, id(station), None)
    if name not in instances:
        settings = station.config.connectors.get(name, {})
        kind = settings.get("kind", "simulator")
        factory = registry.get(kind)
        if factory is None:
            raise ConfigError(station.config.source, f"connectors.{name}.kind",
                              f"unknown kind {kind!r}; available: {', '.join(sorted(registry))}")
        instances[name] = factory({k: v for k, v in settings.items() if k != "kind"})
    return instances[name]


__all__ = ["Connector", "ConnectorUnavailable", "Simulator", "connector"]
