"""Weighing scale: A&D-style ASCII weight lines, 9600 7E1.

Scale (platform) format::

    ST,GS,+0072.50kg CR LF
    ^^ header: ST stable, US unstable, OL overload (QT quantity is not a weight)
       ^^ data type: GS gross, NT net, TR tare
          ^^^^^^^^ sign and 7 characters (digits, point, leading spaces allowed)
                  ^^ unit: kg, " g" or lb

Balance format (A&D balances: no data type, sign and 8 characters, a 3-character unit)::

    ST,+00123.45  g CR LF
       ^^^^^^^^^ sign and 8 characters
                ^^^ unit, right-aligned: "  g", " kg", " lb"

The host asks with ``Q CR LF`` (output the current data immediately). Only ST lines are
accepted as weights. The default layout reads both formats. The line layout is configurable
through a :class:`LineLayout` (a regular expression with the named groups ``header``,
``value`` and ``unit``, and the header values meaning stable / unstable / overload), e.g.
from a descriptor's options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hal.errors import ProtocolError

REQUEST_DATA = b"Q\r\n"
TERMINATOR = b"\r\n"
MAX_LINE = 64
UNIT_TO_KG = {"kg": 1.0, "g": 0.001, "lb": 0.45359237}
DEFAULT_REGEX = (r"(?P<header>[A-Z]{2}),(?:(?P<type>[A-Z]{2}),(?P<value>[+-][0-9. ]{7})(?P<unit>kg| g|lb)"
                 r"|(?P<bvalue>[+-][0-9. ]{8})(?P<bunit> {2}g| kg| lb))")
"""Scale format or balance format; ``bvalue``/``bunit`` are the balance format's groups."""


@dataclass(frozen=True)
class LineLayout:
    """How to read a weight line. ``regex`` must match the whole line (without CR LF)."""

    regex: str = DEFAULT_REGEX
    stable: frozenset[str] = field(default_factory=lambda: frozenset({"ST"}))
    unstable: frozenset[str] = field(default_factory=lambda: frozenset({"US"}))
    overload: frozenset[str] = field(default_factory=lambda: frozenset({"OL"}))

    def __post_init__(self) -> None:
        compiled = re.compile(self.regex)
        missing = {"header", "value", "unit"} - set(compiled.groupindex)
        if missing:
            raise ValueError(f"scale line regex lacks the group(s): {', '.join(sorted(missing))}")
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> LineLayout:
        """A layout from descriptor options ``line_regex``, ``stable_headers``,
        ``unstable_headers``, ``overload_headers`` (lists of header strings)."""
        default = cls()
        return cls(
            regex=options.get("line_regex", default.regex),
            stable=frozenset(options.get("stable_headers", default.stable)),
            unstable=frozenset(options.get("unstable_headers", default.unstable)),
            overload=frozenset(options.get("overload_headers", default.overload)),
        )


DEFAULT_LAYOUT = LineLayout()


@dataclass(frozen=True)
class WeightLine:
    """A parsed line. ``kg`` is None for overload lines."""

    stable: bool
    overload: bool
    kg: float | None


def parse_weight_line(line: bytes, layout: LineLayout = DEFAULT_LAYOUT) -> WeightLine:
    """Parse one line (with or without CR LF); ProtocolError if it does not fit the layout."""
    if len(line) > MAX_LINE:
        raise ProtocolError("weight line too long")
    if line.endswith(TERMINATOR):
        line = line[:-2]
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("weight line is not ASCII") from None
    match = layout._compiled.fullmatch(text)  # type: ignore[attr-defined]
    if not match:
        raise ProtocolError("weight line does not match the configured layout")
    header = match["header"]
    if header in layout.overload:
        return WeightLine(stable=False, overload=True, kg=None)
    if header not in layout.stable and header not in layout.unstable:
        raise ProtocolError(f"weight line has an unknown header {header!r}")
    groups = match.groupdict()
    unit = (groups.get("unit") or groups.get("bunit") or "").strip()
    if unit not in UNIT_TO_KG:
        raise ProtocolError(f"weight line has an unknown unit {unit!r}")
    raw = (groups.get("value") or groups.get("bvalue") or "").replace(" ", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        raise ProtocolError("weight value is not a number")
    return WeightLine(stable=header in layout.stable, overload=False,
                      kg=round(float(raw) * UNIT_TO_KG[unit], 6))


def format_balance_line(header: str, grams: float) -> bytes:
    """The line an A&D balance sends for ``grams`` (balance format)."""
    value = f"{abs(grams):08.2f}"
    if len(value) > 8:
        value = "99999.99"
    sign = "-" if grams < 0 else "+"
    return f"{header},{sign}{value}  g".encode("ascii") + TERMINATOR


def format_weight_line(header: str, kg: float, data_type: str = "GS") -> bytes:
    """The line an A&D-style scale sends for ``kg`` (scale format)."""
    value = f"{abs(kg):07.2f}"
    if len(value) > 7:
        value = "9999.99"
    sign = "-" if kg < 0 else "+"
    return f"{header},{data_type},{sign}{value}kg".encode("ascii") + TERMINATOR
