"""The station's devices: the site inventory (HAL), need resolution for plugins, heartbeats.

The HAL does the work (``hal.inventory``); this module adapts the site configuration and
manifests to it and keeps one inventory per running station.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from core import device_messages
from core.errors import ConfigError, StationError
from core.text import Text
from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady, DeviceTimeout, HalError
from hal.inventory import DeviceNeed, Inventory, resolve_device_needs
from hal.model import Status
from hal.monitor import HeartbeatMonitor

T = TypeVar("T")

#: The four ways a device can fail a request (``DeviceUnavailable.state``).
ABSENT, NOT_READY, BUSY, FAILED = "absent", "not_ready", "busy", "failed"
DEVICE_STATES = (ABSENT, NOT_READY, BUSY, FAILED)


class DeviceUnavailable(StationError):
    """A device could not serve this request; ``state`` says which of four ways, ``code`` precisely.

    ``state``: ``absent`` (the site has no such device: configuration, no retry), ``not_ready``
    (it is there but cannot work now: unplugged, out of paper, not answering — ``code`` is the
    device's reason code), ``busy`` (another request holds it) or ``failed`` (this attempt
    failed: finger out, garbled answer — try again). ``code`` is stable since sdk 1.0:
    ``missing``, ``busy``, ``not_ready``, ``error`` or the device's own fault code
    (``paper_out``, ``finger_out``...); ``reason_code`` is the device's reason even when
    ``code`` is generic (``unplugged``, ``no_answer``, ``paper_out``...). ``retry`` is False only
    for ``absent``. ``str(exc)`` is the message in the current language; ``exc.vi`` and
    ``exc.en`` are both.
    """

    http_status = 409

    def __init__(self, message: str | Text, code: str = "unavailable", retry: bool = True, *,
                 state: str | None = None, kind: str | None = None, vi: str | None = None,
                 device_reason: str = "", reason_code: str | None = None) -> None:
        if vi is not None and not isinstance(message, Text):
            warnings.warn("DeviceUnavailable(message, vi=...) is deprecated since sdk 1.4: pass "
                          "sdk.Text(vi=..., en=...) as the message", DeprecationWarning, stacklevel=2)
        text = message if isinstance(message, Text) else Text(vi=vi or message, en=message)
        super().__init__(text)
        self.reason_code = reason_code or code
        self.code = code
        self.retry = retry
        self.kind = kind
        self.en = text.en
        self.vi = text.vi
        self.device_reason = device_reason
        self.state = state or {"missing": ABSENT, "busy": BUSY, "not_ready": NOT_READY}.get(code, FAILED)



def device_unavailable(state: str, kind: str, code: str, reason_code: str | None = None,
                       device_reason: str = "") -> DeviceUnavailable:
    """The :class:`DeviceUnavailable` for ``state`` with the station's bilingual message."""
    reason_code = reason_code or code
    if state == ABSENT:
        vi, en = device_messages.absent_text(kind)
    elif state == BUSY:
        vi, en = device_messages.busy_text(kind)
    elif state == NOT_READY:
        vi, en = device_messages.not_ready_text(kind, reason_code, device_reason)
    else:
        vi, en = device_messages.failed_text(kind, reason_code, device_reason)
    return DeviceUnavailable(Text(vi=vi, en=en), code, retry=state != ABSENT, state=state, kind=kind,
                             device_reason=device_reason, reason_code=reason_code)


def use_driver(kind: str, driver: Any | None, action: Callable[[Any], T]) -> T:
    """Run ``action(driver)`` on a device of ``kind`` (None: the site has none), mapping every
    HAL error to :class:`DeviceUnavailable` — the one mapping behind :meth:`StationDevices.use`,
    also used by services handed a driver (the payment service's printer)."""
    if driver is None:
        raise device_unavailable(ABSENT, kind, "missing")
    try:
        if driver.status in (Status.CONNECTING, Status.NOT_READY, Status.ERROR):
            driver.open()
        return action(driver)
    except DeviceFault as exc:
        state = FAILED if exc.status_after is Status.READY else NOT_READY
        raise device_unavailable(state, kind, exc.code, device_reason=exc.reason) from None
    except DeviceBusy:
        raise device_unavailable(BUSY, kind, "busy") from None
    except DeviceNotReady:
        raise device_unavailable(NOT_READY, kind, "not_ready", _reason_code(driver.status_reason),
                                 driver.status_reason) from None
    except DeviceTimeout:
        raise device_unavailable(NOT_READY, kind, "not_ready", "no_answer") from None
    except HalError as exc:
        raise device_unavailable(FAILED, kind, "error", device_reason=str(exc)) from None


class StationDevices:
    """The site's device inventory, its drivers and the idle heartbeat."""

    def __init__(self, entries: tuple[dict[str, Any], ...], source: str = "station.toml") -> None:
        try:
            self.inventory = Inventory.from_entries([_hal_entry(e) for e in entries])
        except HalError as exc:
            raise ConfigError(source, "devices", str(exc)) from None
        self.monitor: HeartbeatMonitor | None = None

    def missing_reasons(self, needs: list[dict[str, Any]]) -> list[str]:
        """Why the *required* manifest needs are not met (empty when all are)."""
        result = resolve_device_needs([DeviceNeed(n["kind"], frozenset(n.get("capabilities", ())),
                                                  bool(n.get("required"))) for n in needs], self.inventory)
        return [r.reason for r in result.missing_required]

    def driver_for_kind(self, kind: str, capabilities: frozenset[str] = frozenset()) -> Any | None:
        """The best device of ``kind`` with ``capabilities`` (a HAL driver), or None."""
        result = resolve_device_needs([DeviceNeed(kind, capabilities, False)], self.inventory)
        device_id = result.resolutions[0].device_id
        return self.inventory.driver(device_id) if device_id else None

    def driver_of_kind(self, kind: str, capabilities: frozenset[str] = frozenset()) -> Any | None:
        """The best device of ``kind``: a usable one first, else one that is configured but not
        ready (so its problem can be told); None only when the site has none with ``capabilities``."""
        driver = self.driver_for_kind(kind, capabilities)
        if driver is not None:
            return driver
        for descriptor in self.inventory:
            if descriptor.kind.value == kind and capabilities <= self.inventory.capabilities(descriptor.id):
                return self.inventory.driver(descriptor.id)
        return None

    def use(self, kind: str, action: Callable[[Any], T], capabilities: frozenset[str] = frozenset()) -> T:
        """Run ``action(driver)`` on the site's ``kind`` device — THE device-use path.

        Opens the device when it is not ready yet (a replugged device works again at once) and
        turns every HAL error into :class:`DeviceUnavailable`, telling absent, not ready (with
        the device's reason code), busy and failed apart, with messages in both languages.
        """
        return use_driver(kind, self.driver_of_kind(kind, frozenset(capabilities)), action)

    def statuses(self) -> list[dict[str, Any]]:
        """Every device with its status and reason (no personal data)."""
        rows = []
        for descriptor in self.inventory:
            status, reason = self.inventory.status(descriptor.id)
            rows.append({"id": descriptor.id, "kind": descriptor.kind.value, "make": descriptor.make,
                         "model": descriptor.model, "url": descriptor.url, "status": status.value,
                         "reason": reason, "simulated": descriptor.url.startswith("sim://")})
        return rows

    def start(self) -> None:
        """Start the heartbeat, which first opens every device (``station run``).

        The devices are opened in the heartbeat's thread, not before the server starts: a
        device's first probe may wait for its next frame (the air-quality sensor sends one a
        second), which held up the station's first page. Until a device is open it reads
        ``connecting``, and a request that uses it opens it or waits for the opening.
        """
        self.monitor = HeartbeatMonitor([self.inventory.driver(d.id) for d in self.inventory])
        self.monitor.start(open_first=True)

    def probe_all(self) -> None:
        """Open every device once and probe it (``station devices list``)."""
        self.inventory.open_all()
        for descriptor in self.inventory:
            self.inventory.driver(descriptor.id).heartbeat()

    def stop(self) -> None:
        """Stop heartbeats and close the ports."""
        if self.monitor is not None:
            self.monitor.stop()
            self.monitor = None
        self.inventory.close_all()


def _hal_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Config entry → HAL entry (empty optional fields left out so HAL defaults apply)."""
    return {k: v for k, v in entry.items() if v not in ("", [], {}, None) or k in ("id", "kind", "url")}


def _reason_code(status_reason: str) -> str:
    """A short code for a driver's NOT_READY reason (``unplugged: cannot open port`` → unplugged)."""
    return "unplugged" if status_reason.startswith(("unplugged", "closed")) else "not_ready"
