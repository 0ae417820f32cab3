"""Device drivers: the registry of driver classes by device kind."""

from __future__ import annotations

import importlib
import pkgutil

from hal.drivers.base import Driver
from hal.model import DeviceKind

__all__ = ["Driver", "driver_for", "driver_kinds", "register_driver"]

_DRIVERS: dict[DeviceKind, type[Driver]] = {}
_NOT_DRIVERS = frozenset({"base"})


def register_driver(kind: DeviceKind | str):
    """Class decorator: make a :class:`Driver` subclass the driver of ``kind``."""
    device_kind = DeviceKind(kind)

    def decorate(cls: type[Driver]) -> type[Driver]:
        cls.kind = device_kind
        _DRIVERS[device_kind] = cls
        return cls

    return decorate


def _import_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_DRIVERS:
            importlib.import_module(f"{__name__}.{module.name}")


def driver_for(kind: DeviceKind | str) -> type[Driver]:
    """The driver class of a device kind; ValueError if there is none."""
    device_kind = DeviceKind(kind)
    if device_kind not in _DRIVERS:  # drivers live in hal/drivers/<kind>.py: import only that one
        try:
            importlib.import_module(f"{__name__}.{device_kind.value}")
        except ModuleNotFoundError:
            pass
    if device_kind not in _DRIVERS:
        _import_all()
    try:
        return _DRIVERS[device_kind]
    except KeyError:
        raise ValueError(f"no driver for device kind {device_kind.value!r}") from None


def driver_kinds() -> list[DeviceKind]:
    """Every device kind that has a driver (importing all driver modules)."""
    _import_all()
    return sorted(_DRIVERS, key=lambda kind: kind.value)
