"""Checked ASCII lines, the framing of our height rod and thermometer protocols.

    '$' FIELD {',' FIELD} '*' CC CR LF

FIELDs are printable ASCII without ``$``, ``*`` and ``,``. CC is the XOR of every byte
between ``$`` and ``*`` (exclusive), as two upper-case hex digits (the NMEA 0183 rule).
Example: ``$STAT*12\\r\\n``.
"""

from __future__ import annotations

from hal.errors import ProtocolError

TERMINATOR = b"\r\n"
MAX_LINE = 128
_FORBIDDEN = set(b"$*,")


def checksum(body: bytes) -> int:
    """XOR of all bytes of ``body``."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def encode_line(*fields: str) -> bytes:
    """A complete checked line with ``fields``."""
    if not fields:
        raise ValueError("a line needs at least one field")
    body = ",".join(fields).encode("ascii")
    for field in fields:
        raw = field.encode("ascii")
        if not raw or any(b in _FORBIDDEN or not 0x20 <= b < 0x7F for b in raw):
            raise ValueError(f"invalid field {field!r}")
    return b"$" + body + b"*" + f"{checksum(body):02X}".encode() + TERMINATOR


def decode_line(line: bytes) -> list[str]:
    """The fields of one checked line (with or without its CR LF); ProtocolError if bad."""
    if len(line) > MAX_LINE:
        raise ProtocolError("line too long")
    if line.endswith(TERMINATOR):
        line = line[:-2]
    if not line.startswith(b"$"):
        raise ProtocolError("line does not start with '$'")
    star = line.rfind(b"*")
    if star < 0 or len(line) - star != 3:
        raise ProtocolError("line has no '*CC' checksum")
    body, digits = line[1:star], line[star + 1:]
    if any(not 0x20 <= b < 0x7F or b in b"$*" for b in body):
        raise ProtocolError("line has invalid characters")
    try:
        expected = int(digits.decode("ascii"), 16)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("checksum is not two hex digits") from None
    if not all(chr(b) in "0123456789ABCDEF" for b in digits):
        raise ProtocolError("checksum is not two upper-case hex digits")
    if checksum(body) != expected:
        raise ProtocolError("line has a bad checksum")
    fields = body.decode("ascii").split(",")
    if any(not field for field in fields):
        raise ProtocolError("line has an empty field")
    return fields
