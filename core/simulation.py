"""The one door from core to the simulators in ``hal.sim``.

Core works against the device and connector interfaces; what only a simulator has — the
seeded test citizens (the same invented people on the simulated chip cards, in the VNeID
simulator and in the plugins' simulated partners) and the controls of an in-process
``sim://`` device (put a card on the reader, read what the printer printed) — is reached
through this module, and no other core module imports ``hal.sim`` (import-linter contract
"core reaches the simulators only through core.simulation" in setup.cfg). ``hal.sim`` is
imported on first use, so a station without simulators never loads it from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hal.sim.citizens import TestCitizen


def seeded_citizens() -> list[TestCitizen]:
    """The simulators' seeded citizens (invented people and numbers), in their fixed order."""
    from hal.sim.citizens import TEST_CITIZENS

    return list(TEST_CITIZENS)


def simulator(url: str) -> Any:
    """The live in-process simulator behind a ``sim://`` device URL (created on first use)."""
    from hal.sim import control

    return control.simulator(url)


def is_live(url: str) -> bool:
    """True when this process already serves the simulator of ``url`` (with its state)."""
    from hal.sim import control

    return control.is_live(url)
