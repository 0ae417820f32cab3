"""The device side of the wire: a simulator speaks a device's protocol byte for byte.

A simulator is a passive object driven by its transport (the in-process ``sim://`` port or
the pseudo-terminal runner): the transport hands it the bytes the host wrote
(:meth:`Simulator.receive`) and asks for the bytes the device has sent by a given time
(:meth:`Simulator.emit`). Time is always passed in, so simulators are tested without sleeping.

Fault profiles common to all devices (per-device ones are listed in each simulator's
``profiles``):

- ``ok`` — a healthy device.
- ``unplug`` — the device vanishes mid-reading (like a pulled USB adapter); after a scripted
  :meth:`replug` it behaves as ``ok``.
- ``garbage`` — every answer is replaced by random bytes.
- ``bad_checksum`` — answers are well formed but fail their integrity check (for protocols
  without a checksum, the frame structure is broken instead; see docs/hal.md).
- ``timeout`` — the device stops answering.
"""

from __future__ import annotations

import random
import threading
from typing import Any, ClassVar

from hal.model import DeviceKind

COMMON_PROFILES = frozenset({"ok", "unplug", "garbage", "bad_checksum", "timeout"})
RESERVED_OPTIONS = frozenset({"profile", "seed", "instance"})


class Simulator:
    """Base class of all device simulators; subclasses set ``kind`` and override hooks.

    Subclass hooks:
      - :meth:`on_bytes` — react to bytes the host wrote (parse commands, :meth:`send` answers).
      - :meth:`tick` / :meth:`next_tick_at` — produce output by time (streaming devices).
      - :meth:`garble` / :meth:`break_checksum` — what ``garbage`` / ``bad_checksum`` do.
      - :meth:`reset` — power-on state, called at construction and on replug.
    """

    kind: ClassVar[DeviceKind]
    #: Extra fault profiles this device supports, beyond COMMON_PROFILES.
    profiles: ClassVar[frozenset[str]] = frozenset()
    #: Options the simulator accepts (from the URL query) with their defaults and types.
    option_defaults: ClassVar[dict[str, Any]] = {}
    #: Serial line settings the device uses; a host using others receives garbage.
    line_settings: ClassVar[dict[str, Any] | None] = None

    def __init__(self, profile: str = "ok", options: dict[str, Any] | None = None) -> None:
        if profile not in self.all_profiles():
            raise ValueError(
                f"unknown profile {profile!r} for {self.kind.value} simulator; "
                f"known: {', '.join(sorted(self.all_profiles()))}"
            )
        self.profile = profile
        raw = dict(options or {})
        self.rng = random.Random(int(raw.pop("seed", 0) or 0))
        raw.pop("instance", None)
        self.options = parse_options(self.option_defaults, raw, self.kind.value)
        self.plugged = True
        #: Increases on every replug; ports opened before a replug stay dead, as on hardware.
        self.generation = 0
        #: Notified whenever output may have become available or the plug state changed.
        self.changed = threading.Condition()
        self.now = 0.0
        self._outbox: list[tuple[float, bytes]] = []
        self.reset()

    @classmethod
    def all_profiles(cls) -> frozenset[str]:
        """Every profile name this simulator accepts."""
        return COMMON_PROFILES | cls.profiles

    # -- transport-facing API -------------------------------------------------------------

    def receive(self, data: bytes, now: float | None = None) -> None:
        """Bytes the host wrote to the device."""
        if now is not None:
            self.now = now
        if not self.plugged or self.profile == "timeout":
            return
        self.on_bytes(bytes(data))
        self._notify()

    def emit(self, now: float) -> bytes:
        """All bytes the device has sent by time ``now`` (monotonic seconds)."""
        self.now = now
        if not self.plugged:
            return b""
        self.tick(now)
        due = [item for item in self._outbox if item[0] <= now]
        if not due:
            return b""
        self._outbox = [item for item in self._outbox if item[0] > now]
        return b"".join(data for _, data in due)

    def next_emit_at(self, now: float) -> float | None:
        """When the device will next have output, or None if it waits for the host."""
        if not self.plugged:
            return None
        times = [due for due, _ in self._outbox]
        tick_at = self.next_tick_at(now)
        if tick_at is not None:
            times.append(tick_at)
        return min(times) if times else None

    def on_open(self, now: float) -> None:
        """The host opened the port (in-process transport only). Default: nothing."""
        self.now = now

    def discard_output(self) -> None:
        """Drop answers queued but not yet sent (the connection they were meant for is gone)."""
        self._outbox.clear()
        self._notify()

    # -- scripted physical events ---------------------------------------------------------

    def unplug(self) -> None:
        """The device vanishes: open ports fail from now on, new opens fail until replug."""
        self.plugged = False
        self._outbox.clear()
        self._notify()

    def replug(self) -> None:
        """The device comes back, powered on afresh. An ``unplug`` profile becomes ``ok``."""
        self.generation += 1
        if self.profile == "unplug":
            self.profile = "ok"
        self._outbox.clear()
        self.reset()
        self.plugged = True
        self._notify()

    def set_profile(self, profile: str) -> None:
        """Switch the fault profile of a live device (tests script faults with it)."""
        if profile not in self.all_profiles():
            raise ValueError(f"unknown profile {profile!r} for {self.kind.value} simulator")
        self.profile = profile
        self._notify()

    # -- helpers for subclasses -----------------------------------------------------------

    def send(self, data: bytes, delay: float = 0.0) -> None:
        """Queue an answer, ``delay`` seconds from now, applying the fault profile."""
        if self.profile == "timeout" or not self.plugged:
            return
        if self.profile == "garbage":
            data = self.garble(data)
        elif self.profile == "bad_checksum":
            data = self.break_checksum(data)
        self._outbox.append((self.now + delay, data))
        self._notify()

    def vanish_if_unplug_profile(self) -> bool:
        """Call when a reading starts: with the ``unplug`` profile the device vanishes now."""
        if self.profile == "unplug":
            self.unplug()
            return True
        return False

    def random_bytes(self, length: int, exclude: bytes = b"") -> bytes:
        """Deterministic (seeded) random bytes, without any byte in ``exclude``."""
        allowed = [b for b in range(256) if b not in exclude]
        return bytes(self.rng.choice(allowed) for _ in range(length))

    # -- hooks ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Power-on state."""

    def on_bytes(self, data: bytes) -> None:
        """React to host bytes."""

    def tick(self, now: float) -> None:
        """Produce time-driven output (streaming devices)."""

    def next_tick_at(self, now: float) -> float | None:
        """When :meth:`tick` will next produce output, None if never by itself."""
        return None

    def garble(self, data: bytes) -> bytes:
        """What the ``garbage`` profile sends instead of ``data``. Default: random bytes,
        keeping a trailing CR/LF so line-based hosts see a complete (bad) line."""
        body = data.rstrip(b"\r\n")
        tail = data[len(body):]
        return self.random_bytes(max(len(body), 8), exclude=b"\r\n") + tail

    def break_checksum(self, data: bytes) -> bytes:
        """What the ``bad_checksum`` profile sends instead of ``data``."""
        return data

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()


def parse_options(defaults: dict[str, Any], raw: dict[str, Any], kind: str) -> dict[str, Any]:
    """Typed options: strings from a URL are converted to the type of each default."""
    unknown = set(raw) - set(defaults)
    if unknown:
        raise ValueError(
            f"unknown option(s) for {kind} simulator: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(defaults)) or 'none'}"
        )
    parsed = dict(defaults)
    for name, value in raw.items():
        parsed[name] = _convert(value, defaults[name], name)
    return parsed


def _convert(value: Any, default: Any, name: str) -> Any:
    if not isinstance(value, str) or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise ValueError(f"option {name}={value!r} is not a valid {type(default).__name__}") from None
    return value
