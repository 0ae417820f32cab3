"""Plantower PMS5003 particle sensor protocol (PMS5003 data manual V2.3), 9600 8N1.

Every frame is 32 bytes: ``42 4D``, frame length ``00 1C`` (2×13 + 2), thirteen 16-bit
big-endian data words, and a check code: the 16-bit sum of the 30 bytes before it.

    data 1–3   PM1.0, PM2.5, PM10 in µg/m³, CF=1 (factory "standard particle")
    data 4–6   PM1.0, PM2.5, PM10 in µg/m³, atmospheric environment  ← what we report
    data 7–12  particles per 0.1 L of air larger than 0.3, 0.5, 1.0, 2.5, 5.0, 10 µm
    data 13    reserved: high byte firmware version, low byte error code (0 = none)

In active mode (the default after power-on) the sensor sends frames by itself; in passive
mode it answers the read command. Host commands are 7 bytes: ``42 4D``, command, two data
bytes and the 16-bit sum of the first five (the manual's appendix):

    read (passive)      42 4D E2 00 00 01 71
    passive mode        42 4D E1 00 00 01 70      active mode   42 4D E1 00 01 01 71
    sleep               42 4D E4 00 00 01 73      wake up       42 4D E4 00 01 01 74
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.errors import ProtocolError

START = b"\x42\x4d"
FRAME_LENGTH = 32
BODY_LENGTH = 28  # the frame-length field: 13 data words + check code


def command(code: int, data: int = 0) -> bytes:
    """A host command: start bytes, command, data (2 bytes), 16-bit sum."""
    body = START + bytes([code]) + data.to_bytes(2, "big")
    return body + (sum(body) & 0xFFFF).to_bytes(2, "big")


READ_PASSIVE = command(0xE2)
MODE_PASSIVE = command(0xE1, 0)
MODE_ACTIVE = command(0xE1, 1)
SLEEP = command(0xE4, 0)
WAKE = command(0xE4, 1)


@dataclass(frozen=True)
class ParticleSample:
    """One frame's values (µg/m³ for masses, particles per 0.1 L for counts)."""

    pm1_cf1: int
    pm25_cf1: int
    pm10_cf1: int
    pm1: int
    pm25: int
    pm10: int
    counts: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0)
    version: int = 0x91
    error: int = 0


def encode_frame(sample: ParticleSample) -> bytes:
    """The sensor's 32-byte frame for ``sample``."""
    words = (sample.pm1_cf1, sample.pm25_cf1, sample.pm10_cf1, sample.pm1, sample.pm25, sample.pm10,
             *sample.counts, (sample.version << 8) | sample.error)
    body = START + BODY_LENGTH.to_bytes(2, "big") + b"".join(w.to_bytes(2, "big") for w in words)
    return body + (sum(body) & 0xFFFF).to_bytes(2, "big")


def decode_frame(frame: bytes) -> ParticleSample:
    """A 32-byte frame → :class:`ParticleSample`; a wrong length, header or check code is a ProtocolError."""
    if len(frame) != FRAME_LENGTH or not frame.startswith(START):
        raise ProtocolError("a PMS5003 frame is 32 bytes starting 42 4D")
    if int.from_bytes(frame[2:4], "big") != BODY_LENGTH:
        raise ProtocolError("the PMS5003 frame length field is not 28")
    if sum(frame[:30]) & 0xFFFF != int.from_bytes(frame[30:32], "big"):
        raise ProtocolError("PMS5003 check code mismatch")
    words = [int.from_bytes(frame[i:i + 2], "big") for i in range(4, 30, 2)]
    return ParticleSample(*words[:6], counts=tuple(words[6:12]), version=words[12] >> 8,  # type: ignore[arg-type]
                          error=words[12] & 0xFF)


def take_frame(buffer: bytes) -> tuple[ParticleSample | None, int, int]:
    """For ``Driver._read_framed``: ``(sample or None, bytes consumed, bytes skipped)``.

    Bytes before a start marker, and a frame whose check code fails, are skipped as garbage
    (the manual: discard and wait for the next frame).
    """
    start = buffer.find(START)
    if start < 0:
        keep = 1 if buffer.endswith(START[:1]) else 0
        return None, len(buffer) - keep, len(buffer) - keep
    if len(buffer) - start < FRAME_LENGTH:
        return None, start, start
    try:
        return decode_frame(buffer[start:start + FRAME_LENGTH]), start + FRAME_LENGTH, start
    except ProtocolError:
        return None, start + 2, start + 2
