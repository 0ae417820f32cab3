"""Checksums shared by the wire protocols (pure functions)."""

from __future__ import annotations

import binascii


def crc16_ccitt_false(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR.

    Check value: ``crc16_ccitt_false(b"123456789") == 0x29B1``. ``binascii.crc_hqx`` is this
    CRC with a chosen initial value; ``crc`` continues a running checksum.
    """
    return binascii.crc_hqx(data, crc)
