"""BER-TLV as used by ISO 7816-4 and ICAO 9303 files — pure encode/decode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hal.errors import ProtocolError


@dataclass(frozen=True)
class Tlv:
    """One decoded TLV: ``tag`` as an int of its raw bytes (e.g. ``0x5F1F``), ``value`` bytes."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        first = self.tag.to_bytes((self.tag.bit_length() + 7) // 8 or 1, "big")[0]
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        """The TLVs inside a constructed value."""
        return decode_all(self.value)


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")


def encode_length(size: int) -> bytes:
    """DER length: short form below 128, else ``81 xx`` / ``82 xx xx`` / ``83 xx xx xx``."""
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    if len(raw) > 3:
        raise ValueError("TLV value too long")
    return bytes([0x80 | len(raw)]) + raw


def encode(tag: int, value: bytes) -> bytes:
    """One TLV."""
    return encode_tag(tag) + encode_length(len(value)) + value


def encode_many(items: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(encode(tag, value) for tag, value in items)


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Tag at ``pos`` → (tag, position after it)."""
    if pos >= len(data):
        raise ProtocolError("TLV ends before its tag")
    start = pos
    first = data[pos]
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise ProtocolError("TLV tag is truncated")
            more = data[pos] & 0x80
            pos += 1
            if not more:
                break
            if pos - start > 4:
                raise ProtocolError("TLV tag too long")
    return int.from_bytes(data[start:pos], "big"), pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """Length at ``pos`` → (length, position after it)."""
    if pos >= len(data):
        raise ProtocolError("TLV ends before its length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3:
        raise ProtocolError("unsupported TLV length form")
    if pos + count > len(data):
        raise ProtocolError("TLV length is truncated")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def decode_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """The TLV at ``pos`` → (tlv, position after it)."""
    tag, pos = read_tag(data, pos)
    size, pos = read_length(data, pos)
    end = pos + size
    if end > len(data):
        raise ProtocolError("TLV value is truncated")
    return Tlv(tag, bytes(data[pos:end])), end


def decode_all(data: bytes) -> list[Tlv]:
    """All TLVs in ``data`` back to back; leftovers are a :class:`ProtocolError`."""
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        item, pos = decode_one(data, pos)
        items.append(item)
    return items


def decode_single(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Exactly one TLV (optionally with the given tag); trailing bytes are tolerated only if zero padding."""
    item, end = decode_one(data)
    if any(data[end:]):
        raise ProtocolError("unexpected bytes after the TLV")
    if expected_tag is not None and item.tag != expected_tag:
        raise ProtocolError(f"expected tag {expected_tag:X}, found {item.tag:X}")
    return item


def find(items: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first TLV with ``tag``, or ``None``."""
    for item in items:
        if item.tag == tag:
            return item
    return None


def total_length(header: bytes) -> int | None:
    """Full size of a TLV from its first bytes (used to size READ BINARY); ``None`` if too short."""
    try:
        _, pos = read_tag(header, 0)
        size, pos = read_length(header, pos)
    except ProtocolError:
        if len(header) >= 6:
            raise
        return None
    return pos + size
