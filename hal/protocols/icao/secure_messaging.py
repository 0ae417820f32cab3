"""ICAO 9303-11 §9.8 secure messaging with 3DES session keys (after BAC).

A protected command carries ``DO87`` (encrypted data, padding indicator 01), ``DO97`` (Le)
and ``DO8E`` (retail MAC over SSC ‖ masked header ‖ DOs); a protected response carries
``DO87``, ``DO99`` (status word) and ``DO8E``. The send sequence counter (SSC) is
incremented once before each command MAC and once before each response MAC.

Both directions are here: the terminal uses :meth:`SecureChannel.wrap_command` /
:meth:`SecureChannel.unwrap_response`, the simulated chip the two mirror methods.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from hal.errors import ProtocolError
from hal.protocols.icao import tlv
from hal.protocols.icao.apdu import CommandApdu, ResponseApdu, decode_command
from hal.protocols.icao.bac import (
    SessionKeys,
    des3_decrypt,
    des3_encrypt,
    pad_iso9797_m2,
    retail_mac,
    unpad_iso9797_m2,
)

SM_CLA = 0x0C


class SecureMessagingError(ProtocolError):
    """A protected APDU is malformed or its MAC does not verify."""


def _ssc_bytes(ssc: int) -> bytes:
    return (ssc & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def _do87(keys: SessionKeys, data: bytes) -> bytes:
    return tlv.encode(0x87, b"\x01" + des3_encrypt(keys.enc, pad_iso9797_m2(data)))


def _decrypt_do87(keys: SessionKeys, value: bytes) -> bytes:
    if not value or value[0] != 0x01:
        raise SecureMessagingError("unsupported padding indicator in DO87")
    body = value[1:]
    if not body or len(body) % 8:
        raise SecureMessagingError("DO87 is not a whole number of blocks")
    return unpad_iso9797_m2(des3_decrypt(keys.enc, body))


def _check_mac(keys: SessionKeys, ssc: int, covered: bytes, mac: bytes) -> None:
    expected = retail_mac(keys.mac, pad_iso9797_m2(_ssc_bytes(ssc) + covered))
    if not hmac.compare_digest(expected, mac):
        raise SecureMessagingError("secure messaging MAC does not verify")


@dataclass
class SecureChannel:
    """Session keys plus the running send sequence counter."""

    keys: SessionKeys
    ssc: int = -1

    def __post_init__(self) -> None:
        if self.ssc < 0:
            self.ssc = self.keys.ssc

    # ---------------------------------------------------------------- terminal side

    def wrap_command(self, cmd: CommandApdu) -> bytes:
        """Protect a plain command APDU; advances the SSC."""
        header = bytes([cmd.cla | SM_CLA, cmd.ins, cmd.p1, cmd.p2])
        objects = b""
        if cmd.data:
            objects += _do87(self.keys, cmd.data)
        if cmd.le is not None:
            objects += tlv.encode(0x97, bytes([cmd.le & 0xFF]))
        self.ssc += 1
        mac_input = pad_iso9797_m2(_ssc_bytes(self.ssc) + pad_iso9797_m2(header) + objects)
        objects += tlv.encode(0x8E, retail_mac(self.keys.mac, mac_input))
        return header + bytes([len(objects)]) + objects + b"\x00"

    def unwrap_response(self, raw: bytes) -> ResponseApdu:
        """Verify and decrypt a protected response; advances the SSC.

        A bare error status word without data (the chip dropping secure messaging, e.g.
        6987/6988) is returned as it is: it carries nothing to protect.
        """
        if len(raw) < 2:
            raise SecureMessagingError("response shorter than its status word")
        body, sw = raw[:-2], int.from_bytes(raw[-2:], "big")
        self.ssc += 1
        if not body:
            if sw == 0x9000:
                raise SecureMessagingError("unprotected success response")
            return ResponseApdu(b"", sw)
        items = tlv.decode_all(body)
        do87 = tlv.find(items, 0x87)
        do99 = tlv.find(items, 0x99)
        do8e = tlv.find(items, 0x8E)
        if do99 is None or do8e is None or len(do99.value) != 2:
            raise SecureMessagingError("protected response lacks DO99 or DO8E")
        covered = b""
        if do87 is not None:
            covered += tlv.encode(0x87, do87.value)
        covered += tlv.encode(0x99, do99.value)
        _check_mac(self.keys, self.ssc, covered, do8e.value)
        data = _decrypt_do87(self.keys, do87.value) if do87 is not None else b""
        return ResponseApdu(data, int.from_bytes(do99.value, "big"))

    # ---------------------------------------------------------------- chip side

    def unwrap_command(self, raw: bytes) -> CommandApdu:
        """Verify and decrypt a protected command (chip side); advances the SSC."""
        outer = decode_command(raw)
        if outer.cla & SM_CLA != SM_CLA:
            raise SecureMessagingError("command is not protected")
        items = tlv.decode_all(outer.data)
        do87 = tlv.find(items, 0x87)
        do97 = tlv.find(items, 0x97)
        do8e = tlv.find(items, 0x8E)
        if do8e is None:
            raise SecureMessagingError("protected command lacks DO8E")
        self.ssc += 1
        header = bytes([outer.cla, outer.ins, outer.p1, outer.p2])
        covered = pad_iso9797_m2(header)
        if do87 is not None:
            covered += tlv.encode(0x87, do87.value)
        if do97 is not None:
            covered += tlv.encode(0x97, do97.value)
        _check_mac(self.keys, self.ssc, covered, do8e.value)
        data = _decrypt_do87(self.keys, do87.value) if do87 is not None else b""
        le = do97.value[0] if do97 is not None and do97.value else None
        return CommandApdu(outer.cla & ~SM_CLA & 0xFF, outer.ins, outer.p1, outer.p2, data, le)

    def wrap_response(self, response: ResponseApdu) -> bytes:
        """Protect a response (chip side); advances the SSC."""
        objects = _do87(self.keys, response.data) if response.data else b""
        objects += tlv.encode(0x99, response.sw.to_bytes(2, "big"))
        self.ssc += 1
        mac = retail_mac(self.keys.mac, pad_iso9797_m2(_ssc_bytes(self.ssc) + objects))
        return objects + tlv.encode(0x8E, mac) + response.sw.to_bytes(2, "big")
