"""QR/barcode scanner in serial mode: each scan is the decoded text followed by a suffix.

    <data bytes, UTF-8> <suffix: CR, or CR LF>

The scanner sends unsolicited whenever something is scanned. Data is UTF-8 text without
control characters; anything else is a protocol error (a scan with a stray control byte is
what line noise looks like).
"""

from __future__ import annotations

from hal.errors import ProtocolError

SUFFIXES = {"cr": b"\r", "crlf": b"\r\n"}
MAX_SCAN = 4096


def suffix_bytes(name: str) -> bytes:
    """The suffix of a named setting ("cr" or "crlf"); ValueError otherwise."""
    try:
        return SUFFIXES[name.lower()]
    except KeyError:
        raise ValueError(f"scanner suffix must be one of {sorted(SUFFIXES)}, not {name!r}") from None


def encode_scan(text: str, suffix: str = "cr") -> bytes:
    """What the scanner sends for ``text``."""
    return text.encode("utf-8") + suffix_bytes(suffix)


def decode_scan(line: bytes, suffix: str = "cr") -> str:
    """The text of one scan (with or without its suffix); ProtocolError if malformed."""
    end = suffix_bytes(suffix)
    if line.endswith(end):
        line = line[: -len(end)]
    if not line:
        raise ProtocolError("empty scan")
    if len(line) > MAX_SCAN:
        raise ProtocolError("scan too long")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("scan is not valid UTF-8") from None
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise ProtocolError("scan contains control characters")
    return text
