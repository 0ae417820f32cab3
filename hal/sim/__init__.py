"""Device simulators: the registry of simulator classes by device kind.

Simulators are served in-process through the ``sim://<kind>?profile=...`` pyserial URL
(:mod:`hal.sim.protocol_sim`) and out of process behind a pseudo-terminal
(``python -m hal.sim <kind>``, :mod:`hal.sim.pty_runner`).
"""

from __future__ import annotations

import importlib
import pkgutil

from hal.model import DeviceKind
from hal.sim.base import COMMON_PROFILES, Simulator

__all__ = ["COMMON_PROFILES", "Simulator", "register_simulator", "simulator_for", "simulator_kinds"]

_SIMULATORS: dict[DeviceKind, type[Simulator]] = {}
# Modules of this package that are infrastructure, not simulators.
_NOT_SIMULATORS = frozenset({"__main__", "base", "control", "protocol_sim", "pty_runner"})


def register_simulator(kind: DeviceKind | str):
    """Class decorator: make a :class:`Simulator` subclass the simulator of ``kind``."""
    device_kind = DeviceKind(kind)

    def decorate(cls: type[Simulator]) -> type[Simulator]:
        cls.kind = device_kind
        _SIMULATORS[device_kind] = cls
        return cls

    return decorate


def _import_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_SIMULATORS:
            importlib.import_module(f"{__name__}.{module.name}")


def simulator_for(kind: DeviceKind | str) -> type[Simulator]:
    """The simulator class of a device kind; ValueError if there is none."""
    device_kind = DeviceKind(kind)
    if device_kind not in _SIMULATORS:
        _import_all()
    try:
        return _SIMULATORS[device_kind]
    except KeyError:
        raise ValueError(f"no simulator for device kind {device_kind.value!r}") from None


def simulator_kinds() -> list[DeviceKind]:
    """Every device kind that has a simulator (importing all simulator modules)."""
    _import_all()
    return sorted(_SIMULATORS, key=lambda kind: kind.value)
