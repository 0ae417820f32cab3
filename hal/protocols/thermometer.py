"""Thermometer protocol (ours): request/response checked lines, 9600 8N1.

    host                      device
    $STAT*CC                  $STAT,OK*CC                  | $STAT,ERR,<code>*CC
    $TEMP*CC                  $TEMP,<value>,<C|F>,BODY*CC  (after the measuring time)
                              | $ERR,<code>*CC             codes: RANGE_LOW, RANGE_HIGH,
                                                           AMBIENT, NO_TARGET

``<value>`` has one digit after the point (``36.8``); the unit is Celsius or Fahrenheit.
The status exchange is the same as the height rod's (:mod:`hal.protocols.height_rod`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.errors import ProtocolError
from hal.protocols.checked_line import decode_line, encode_line
from hal.protocols.height_rod import decode_status, encode_error, encode_status

__all__ = ["MEASURE_REQUEST", "STATUS_REQUEST", "TemperatureAnswer", "decode_status",
           "decode_temperature", "encode_error", "encode_status", "encode_temperature"]

STATUS_REQUEST = encode_line("STAT")
MEASURE_REQUEST = encode_line("TEMP")


@dataclass(frozen=True)
class TemperatureAnswer:
    """Either ``celsius`` or ``error`` (a device error code) is set."""

    celsius: float | None = None
    error: str | None = None


def encode_temperature(value: float, unit: str = "C") -> bytes:
    return encode_line("TEMP", f"{value:.1f}", unit, "BODY")


def decode_temperature(line: bytes) -> TemperatureAnswer:
    """Decode a ``$TEMP`` answer; Fahrenheit is converted to Celsius (one decimal)."""
    fields = decode_line(line)
    if len(fields) == 2 and fields[0] == "ERR":
        return TemperatureAnswer(error=fields[1])
    if len(fields) != 4 or fields[0] != "TEMP" or fields[3] != "BODY":
        raise ProtocolError("not a temperature answer")
    text, unit = fields[1], fields[2]
    integer, dot, fraction = text.partition(".")
    if not (integer.isascii() and integer.isdigit() and dot and len(fraction) == 1
            and fraction.isascii() and fraction.isdigit()):
        raise ProtocolError("temperature is not a decimal with one digit after the point")
    value = float(text)
    if unit == "C":
        return TemperatureAnswer(celsius=value)
    if unit == "F":
        return TemperatureAnswer(celsius=round((value - 32.0) * 5.0 / 9.0, 1))
    raise ProtocolError("temperature unit must be C or F")
