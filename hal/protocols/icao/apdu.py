"""ISO/IEC 7816-4 command and response APDUs (short form) — pure encode/decode."""

from __future__ import annotations

from dataclasses import dataclass

from hal.errors import ProtocolError

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982
SW_AUTHENTICATION_FAILED = 0x6300
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_DATA_OBJECTS_INCORRECT = 0x6988
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_CHALLENGE = 0x84
INS_MUTUAL_AUTHENTICATE = 0x82

EMRTD_AID = bytes.fromhex("A0000002471001")

# ICAO 9303-10 file identifiers.
FILE_IDS = {
    "COM": 0x011E,
    "DG1": 0x0101,
    "DG2": 0x0102,
    "DG13": 0x010D,
    "SOD": 0x011D,
}


@dataclass(frozen=True)
class CommandApdu:
    """``CLA INS P1 P2 [Lc data] [Le]``; ``le`` None = absent, 0 = 256 (Le byte 00)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __bytes__(self) -> bytes:
        return encode_command(self)


def encode_command(cmd: CommandApdu) -> bytes:
    if len(cmd.data) > 255:
        raise ValueError("only short APDUs are supported")
    out = bytes([cmd.cla, cmd.ins, cmd.p1, cmd.p2])
    if cmd.data:
        out += bytes([len(cmd.data)]) + cmd.data
    if cmd.le is not None:
        out += bytes([cmd.le & 0xFF])
    return out


def decode_command(raw: bytes) -> CommandApdu:
    """Parse a short command APDU (cases 1–4); anything else is a :class:`ProtocolError`."""
    if len(raw) < 4:
        raise ProtocolError("command APDU shorter than its header")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return CommandApdu(cla, ins, p1, p2)
    if len(body) == 1:
        return CommandApdu(cla, ins, p1, p2, le=body[0])
    lc = body[0]
    if lc == 0:
        raise ProtocolError("extended-length APDUs are not supported")
    if len(body) == 1 + lc:
        return CommandApdu(cla, ins, p1, p2, bytes(body[1:]))
    if len(body) == 2 + lc:
        return CommandApdu(cla, ins, p1, p2, bytes(body[1:-1]), le=body[-1])
    raise ProtocolError("command APDU length does not match Lc")


@dataclass(frozen=True)
class ResponseApdu:
    """Response body and status word."""

    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def __bytes__(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def decode_response(raw: bytes) -> ResponseApdu:
    if len(raw) < 2:
        raise ProtocolError("response APDU shorter than its status word")
    return ResponseApdu(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


def select_application(aid: bytes = EMRTD_AID) -> CommandApdu:
    """SELECT by DF name (P1=04, P2=0C: no FCI)."""
    return CommandApdu(0x00, INS_SELECT, 0x04, 0x0C, aid)


def select_file(file_id: int) -> CommandApdu:
    """SELECT EF under the current DF (P1=02, P2=0C)."""
    return CommandApdu(0x00, INS_SELECT, 0x02, 0x0C, file_id.to_bytes(2, "big"))


def read_binary(offset: int, length: int) -> CommandApdu:
    """READ BINARY with a 15-bit offset and Le = ``length`` (1–256)."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("READ BINARY offset out of range")
    return CommandApdu(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=length & 0xFF)


def get_challenge() -> CommandApdu:
    return CommandApdu(0x00, INS_GET_CHALLENGE, 0x00, 0x00, le=8)


def mutual_authenticate(data: bytes) -> CommandApdu:
    return CommandApdu(0x00, INS_MUTUAL_AUTHENTICATE, 0x00, 0x00, data, le=40)
