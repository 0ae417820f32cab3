"""Height rod protocol (ours): request/response checked lines, 9600 8N1.

    host                      device
    $STAT*CC                  $STAT,OK*CC            | $STAT,ERR,<code>*CC
    $MEAS*CC                  $HGT,<cm>*CC           (after the measuring time)
                              | $ERR,<code>*CC       codes: NO_TARGET, SENSOR

``<cm>`` is a decimal with one digit after the point, 50.0 to 250.0 (e.g. ``172.4``).
See :mod:`hal.protocols.checked_line` for the framing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.errors import ProtocolError
from hal.protocols.checked_line import decode_line, encode_line

HEIGHT_RANGE_CM = (50.0, 250.0)
STATUS_REQUEST = encode_line("STAT")
MEASURE_REQUEST = encode_line("MEAS")


@dataclass(frozen=True)
class StatusAnswer:
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class HeightAnswer:
    """Either ``height_cm`` or ``error`` (a device error code) is set."""

    height_cm: float | None = None
    error: str | None = None


def encode_status(error: str | None = None) -> bytes:
    return encode_line("STAT", "OK") if error is None else encode_line("STAT", "ERR", error)


def decode_status(line: bytes) -> StatusAnswer:
    """Decode a ``$STAT`` answer."""
    fields = decode_line(line)
    if fields == ["STAT", "OK"]:
        return StatusAnswer(True)
    if len(fields) == 3 and fields[:2] == ["STAT", "ERR"]:
        return StatusAnswer(False, fields[2])
    raise ProtocolError("not a status answer")


def encode_height(height_cm: float) -> bytes:
    return encode_line("HGT", f"{height_cm:.1f}")


def encode_error(code: str) -> bytes:
    return encode_line("ERR", code)


def decode_height(line: bytes) -> HeightAnswer:
    """Decode a ``$MEAS`` answer."""
    fields = decode_line(line)
    if len(fields) == 2 and fields[0] == "ERR":
        return HeightAnswer(error=fields[1])
    if len(fields) != 2 or fields[0] != "HGT":
        raise ProtocolError("not a height answer")
    value = _decimal(fields[1], "height")
    if not HEIGHT_RANGE_CM[0] <= value <= HEIGHT_RANGE_CM[1]:
        raise ProtocolError("height outside the rod's range")
    return HeightAnswer(height_cm=value)


def _decimal(text: str, what: str) -> float:
    integer, dot, fraction = text.partition(".")
    if not (integer.isdigit() and integer.isascii() and dot and len(fraction) == 1
            and fraction.isdigit() and fraction.isascii()):
        raise ProtocolError(f"{what} is not a decimal with one digit after the point")
    return float(text)
