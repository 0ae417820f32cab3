"""The one connector registry: outside systems (banks, VNeID, partners' national systems) and
their embedded simulators, chosen per site in ``station.toml``::

    [connectors.prescriptions]
    kind = "simulator"          # the default; anything else names a registered implementation

A component (a plugin, or the station's own payments and VNeID login) gives the kinds it
supports — ``{"simulator": PrescriptionSimulator, "national": NationalPrescriptions}`` — and
:func:`make_connector` builds the configured one, refusing an unknown kind with one message
naming the key and the kinds available. ``sdk.connectors`` re-exports this module for plugins
(``sdk.connectors.connector`` keeps one instance per station). A simulator says so: ``simulated = True``
and a ``label`` shown to citizens, so simulated data is never presented as real.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from core.errors import ConfigError

#: A factory of a connector kind: the site's settings for it (without ``kind``) → the connector.
Factory = Callable[[Mapping[str, Any]], Any]
DEFAULT_KIND = "simulator"


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


def configured_kind(name: str, connectors: Mapping[str, Mapping[str, Any]]) -> str:
    """The kind the site chose for connector ``name`` (``simulator`` unless set)."""
    return str(connectors.get(name, {}).get("kind", DEFAULT_KIND))


def make_connector(name: str, kinds: Mapping[str, Factory], connectors: Mapping[str, Mapping[str, Any]],
                   source: str = "station.toml") -> Any:
    """Build the site's connector ``name`` from ``[connectors.<name>]``: ``kinds[kind](settings)``.

    An unknown kind is a :class:`ConfigError` naming ``connectors.<name>.kind`` and the kinds
    available (the CLI exits 2 with it).
    """
    settings = connectors.get(name, {})
    kind = configured_kind(name, connectors)
    factory = kinds.get(kind)
    if factory is None:
        raise ConfigError(source, f"connectors.{name}.kind",
                          f"unknown kind {kind!r}; available: {', '.join(sorted(kinds))}")
    return factory({k: v for k, v in settings.items() if k != "kind"})


# Connector instances per live station, by id(station). The entry is dropped when its station
# is collected, so a later station that happens to get the same id starts afresh (before, an
# old station's simulators, with their state, were handed to a new one: seen between tests).
_INSTANCES: dict[int, dict[str, Any]] = {}


def station_connector(station: Any, name: str, kinds: Mapping[str, Factory]) -> Any:
    """``station``'s connector ``name`` (see :func:`make_connector`), created once per station."""
    instances = _INSTANCES.get(id(station))
    if instances is None:
        instances = _INSTANCES[id(station)] = {}
        weakref.finalize(station, _INSTANCES.pop, id(station), None)
    if name not in instances:
        instances[name] = make_connector(name, kinds, station.config.connectors, station.config.source)
    return instances[name]


__all__ = ["Connector", "ConnectorUnavailable", "Simulator", "configured_kind", "make_connector",
           "station_connector"]
