"""GQ Electronics GMC Geiger counter serial protocol (GQ-RFC1201), 115200 8N1.

Commands are ASCII, framed ``<`` … ``>>``; the counter answers in binary, with no framing and
no checksum (GQ-RFC1201):

    host              device
    <GETVER>>         14 ASCII bytes, model and firmware, e.g. ``GMC-320Re 4.26``
    <GETCPM>>         counts per minute, unsigned big-endian: 2 bytes (GMC-300/320, RFC1201)
                      or 4 bytes (GMC-500/600 firmware); the width is a per-model option
    <GETSERIAL>>      7 bytes serial number
    <HEARTBEAT1>>     from now on, every second: counts of that second, 2 bytes big-endian,
                      the top two bits reserved (masked out)
    <HEARTBEAT0>>     stop the heartbeat (no answer)

Dose rate is CPM times the tube's conversion factor (µSv/h per CPM): 0.0065 for the M4011
tube of the GMC-300/320 (about 153.8 CPM per µSv/h); configurable per device.
"""

from __future__ import annotations

from hal.errors import ProtocolError

GETVER = b"<GETVER>>"
GETCPM = b"<GETCPM>>"
GETSERIAL = b"<GETSERIAL>>"
HEARTBEAT_ON = b"<HEARTBEAT1>>"
HEARTBEAT_OFF = b"<HEARTBEAT0>>"
COMMANDS = (GETVER, GETCPM, GETSERIAL, HEARTBEAT_ON, HEARTBEAT_OFF)
VERSION_LENGTH = 14
SERIAL_LENGTH = 7
HEARTBEAT_LENGTH = 2
HEARTBEAT_MASK = 0x3FFF
M4011_USV_PER_CPM = 0.0065


def encode_cpm(cpm: int, width: int = 2) -> bytes:
    """The answer to ``<GETCPM>>``: ``cpm`` big-endian in ``width`` (2 or 4) bytes."""
    if width not in (2, 4):
        raise ValueError("GETCPM answers have 2 or 4 bytes")
    return min(cpm, (1 << (8 * width)) - 1).to_bytes(width, "big")


def decode_cpm(data: bytes) -> int:
    """Counts per minute from a 2- or 4-byte ``<GETCPM>>`` answer."""
    if len(data) not in (2, 4):
        raise ProtocolError(f"a CPM answer has 2 or 4 bytes, not {len(data)}")
    return int.from_bytes(data, "big")


def cpm_ceiling(width: int) -> int:
    """The largest CPM a ``width``-byte answer can carry (a saturated counter pins there)."""
    return (1 << (8 * width)) - 1


def encode_heartbeat(cps: int) -> bytes:
    """One heartbeat: counts of the last second, 14 bits in 2 bytes."""
    return (min(cps, HEARTBEAT_MASK) & HEARTBEAT_MASK).to_bytes(2, "big")


def decode_heartbeat(data: bytes) -> int:
    """Counts per second from one 2-byte heartbeat (reserved top bits masked out)."""
    if len(data) != HEARTBEAT_LENGTH:
        raise ProtocolError("a heartbeat has 2 bytes")
    return int.from_bytes(data, "big") & HEARTBEAT_MASK


def encode_version(text: str) -> bytes:
    """The 14-byte answer to ``<GETVER>>`` (padded with spaces)."""
    raw = text.encode("ascii")[:VERSION_LENGTH]
    return raw + b" " * (VERSION_LENGTH - len(raw))


def decode_version(data: bytes) -> str:
    """Model and firmware from a ``<GETVER>>`` answer; garbage is a ProtocolError."""
    if len(data) != VERSION_LENGTH or not all(32 <= b < 127 for b in data) or not data.startswith(b"GMC"):
        raise ProtocolError("the counter's version answer is not 14 printable ASCII bytes starting GMC")
    return data.decode("ascii").strip()


def dose_rate_usv_h(cpm: int, usv_per_cpm: float = M4011_USV_PER_CPM) -> float:
    """Ambient dose rate in µSv/h for ``cpm`` with the tube's conversion factor."""
    return round(cpm * usv_per_cpm, 4)
