"""Simulated chip card reader with an ICAO 9303 chip ID card (and an MRZ scanner window).

The reader speaks the framing of :mod:`hal.protocols.icao.reader_frame`; the card inside
is an :class:`EmrtdChip` holding one of the seeded test citizens
(:mod:`hal.sim.citizens`), with BAC and secure messaging implemented by the same pure
protocol code the driver uses (and which the ICAO worked example pins).

Options: ``citizen`` (index into ``TEST_CITIZENS``, default 0), ``pki_dir`` (directory of
a cached test PKI, see :mod:`hal.testpki`; default: generated in memory from the default
seed), ``removal_after`` (READ BINARY commands before the ``card_removed`` profile pulls
the card, default 3).

Fault profiles beyond the common ones:

- ``no_card`` — the reader is fine but nothing lies on it.
- ``card_removed`` — the card is pulled in the middle of reading its files.
- ``wrong_mrz`` — the chip refuses BAC, as when the typed MRZ numbers are not this card's.

Scripted physical events for tests: :meth:`CardReaderSimulator.remove_card`,
:meth:`CardReaderSimulator.insert_card`.
"""

from __future__ import annotations

import functools
from typing import Any

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols.icao import apdu as iso
from hal.protocols.icao import bac
from hal.protocols.icao import reader_frame as rf
from hal.protocols.icao.secure_messaging import SecureChannel, SecureMessagingError
from hal.sim import register_simulator
from hal.sim.base import Simulator
from hal.sim.citizens import TEST_CITIZENS, TestCitizen, chip_files
from hal.testpki import PkiMaterial, load_or_create_test_pki

ATR = bytes.fromhex("3B8880014241434B2000000000")
ANSWER_DELAY = 0.002


@functools.lru_cache(maxsize=8)
def _pki(directory: str) -> PkiMaterial:
    return load_or_create_test_pki(directory or None)


@functools.lru_cache(maxsize=32)
def _files(index: int, directory: str) -> dict[str, bytes]:
    return chip_files(TEST_CITIZENS[index], _pki(directory))


class EmrtdChip:
    """The card side of ISO 7816-4 + ICAO 9303 BAC: a state machine of APDUs.

    ``random_bytes(n)`` supplies RND.IC and K.IC. With ``refuse_bac`` the chip answers
    every MUTUAL AUTHENTICATE with 6300, like a chip given keys from the wrong MRZ.
    """

    def __init__(self, files: dict[str, bytes], mrz_information: str, random_bytes,
                 *, refuse_bac: bool = False) -> None:
        self.files = files
        self.k_enc, self.k_mac = bac.document_basic_access_keys(mrz_information)
        self.random_bytes = random_bytes
        self.refuse_bac = refuse_bac
        self.reads = 0
        self.power_on()

    def power_on(self) -> None:
        self.app_selected = False
        self.challenge: bytes | None = None
        self.channel: SecureChannel | None = None
        self.current_file: bytes | None = None

    def process(self, raw: bytes) -> bytes:
        """One command APDU in, one response APDU out."""
        try:
            if raw and raw[0] & 0x0C == 0x0C:
                return self._protected(raw)
            cmd = iso.decode_command(raw)
        except ProtocolError:
            return iso.SW_WRONG_LENGTH.to_bytes(2, "big")
        if self.channel is not None:
            # A plain command after BAC ends secure messaging (ICAO 9303-11 §9.8.6).
            self.channel = None
            return iso.SW_SM_DATA_OBJECTS_INCORRECT.to_bytes(2, "big")
        return bytes(self._plain(cmd))

    def _plain(self, cmd: iso.CommandApdu) -> iso.ResponseApdu:
        if cmd.ins == iso.INS_SELECT and cmd.p1 == 0x04:
            if cmd.data != iso.EMRTD_AID:
                return iso.ResponseApdu(b"", iso.SW_FILE_NOT_FOUND)
            self.power_on()
            self.app_selected = True
            return iso.ResponseApdu(b"", iso.SW_OK)
        if not self.app_selected:
            return iso.ResponseApdu(b"", iso.SW_CONDITIONS_NOT_SATISFIED)
        if cmd.ins == iso.INS_GET_CHALLENGE:
            self.challenge = self.random_bytes(8)
            return iso.ResponseApdu(self.challenge, iso.SW_OK)
        if cmd.ins == iso.INS_MUTUAL_AUTHENTICATE:
            challenge, self.challenge = self.challenge, None
            if challenge is None:
                return iso.ResponseApdu(b"", iso.SW_CONDITIONS_NOT_SATISFIED)
            if self.refuse_bac:
                return iso.ResponseApdu(b"", iso.SW_AUTHENTICATION_FAILED)
            try:
                answer, keys = bac.chip_answer_mutual_authenticate(
                    cmd.data, self.k_enc, self.k_mac, challenge, self.random_bytes(16)
                )
            except ProtocolError:
                return iso.ResponseApdu(b"", iso.SW_AUTHENTICATION_FAILED)
            self.channel = SecureChannel(keys)
            return iso.ResponseApdu(answer, iso.SW_OK)
        if cmd.ins in (iso.INS_SELECT, iso.INS_READ_BINARY):
            return iso.ResponseApdu(b"", iso.SW_SECURITY_STATUS_NOT_SATISFIED)
        return iso.ResponseApdu(b"", iso.SW_INS_NOT_SUPPORTED)

    def _protected(self, raw: bytes) -> bytes:
        channel = self.channel
        if channel is None:
            return iso.SW_SECURITY_STATUS_NOT_SATISFIED.to_bytes(2, "big")
        try:
            cmd = channel.unwrap_command(raw)
        except (SecureMessagingError, ProtocolError):
            self.channel = None
            return iso.SW_SM_DATA_OBJECTS_INCORRECT.to_bytes(2, "big")
        return channel.wrap_response(self._file_command(cmd))

    def _file_command(self, cmd: iso.CommandApdu) -> iso.ResponseApdu:
        if cmd.ins == iso.INS_SELECT and cmd.p1 == 0x02 and len(cmd.data) == 2:
            file_id = int.from_bytes(cmd.data, "big")
            names = [name for name, fid in iso.FILE_IDS.items() if fid == file_id]
            if not names or names[0] not in self.files:
                self.current_file = None
                return iso.ResponseApdu(b"", iso.SW_FILE_NOT_FOUND)
            self.current_file = self.files[names[0]]
            return iso.ResponseApdu(b"", iso.SW_OK)
        if cmd.ins == iso.INS_READ_BINARY:
            if self.current_file is None:
                return iso.ResponseApdu(b"", iso.SW_CONDITIONS_NOT_SATISFIED)
            self.reads += 1
            offset = (cmd.p1 << 8) | cmd.p2
            length = cmd.le or 256
            if offset > len(self.current_file):
                return iso.ResponseApdu(b"", iso.SW_WRONG_P1P2)
            return iso.ResponseApdu(self.current_file[offset : offset + length], iso.SW_OK)
        return iso.ResponseApdu(b"", iso.SW_INS_NOT_SUPPORTED)


@register_simulator(DeviceKind.card_reader)
class CardReaderSimulator(Simulator):
    """A serial chip card reader with a card on it (see the module docstring)."""

    profiles = frozenset({"no_card", "card_removed", "wrong_mrz"})
    option_defaults: dict[str, Any] = {"citizen": 0, "pki_dir": "", "removal_after": 3}
    line_settings = {"baudrate": 115200}

    def reset(self) -> None:
        self._reader = rf.FrameReader()
        index = self.options["citizen"]
        if not 0 <= index < len(TEST_CITIZENS):
            raise ValueError(f"citizen must be 0..{len(TEST_CITIZENS) - 1}")
        self.card_present = True
        self.chip = self._new_chip()
        self.powered = False

    @property
    def citizen(self) -> TestCitizen:
        return TEST_CITIZENS[self.options["citizen"]]

    def _new_chip(self) -> EmrtdChip:
        files = _files(self.options["citizen"], self.options["pki_dir"])
        return EmrtdChip(dict(files), self.citizen.mrz_information, self.random_bytes,
                         refuse_bac=self.profile == "wrong_mrz")

    # -- scripted physical events --------------------------------------------------------

    def remove_card(self) -> None:
        """Take the card off the reader."""
        self.card_present = False
        self.powered = False

    def insert_card(self, citizen: int | None = None) -> None:
        """Put a card (optionally another citizen's) on the reader."""
        if citizen is not None:
            self.options["citizen"] = citizen
        self.chip = self._new_chip()
        self.card_present = True
        self.powered = False

    def _has_card(self) -> bool:
        return self.card_present and self.profile != "no_card"

    # -- wire ---------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except ProtocolError:
            self._answer(rf.ERROR, 0, bytes([rf.ERROR_BAD_FRAME]))
            return
        for frame in frames:
            self._handle(frame)

    def _answer(self, kind: int, seq: int, payload: bytes = b"") -> None:
        self.send(rf.encode_frame(rf.ReaderFrame(kind, seq, payload)), delay=ANSWER_DELAY)

    def _handle(self, frame: rf.ReaderFrame) -> None:
        seq = frame.seq
        if frame.type == rf.GET_SLOT_STATUS:
            state = rf.SLOT_EMPTY if not self._has_card() else (
                rf.SLOT_ACTIVE if self.powered else rf.SLOT_PRESENT)
            self._answer(rf.SLOT_STATUS, seq, bytes([state]))
        elif frame.type == rf.SCAN_MRZ:
            if not self._has_card():
                self._answer(rf.ERROR, seq, bytes([rf.ERROR_NO_DOCUMENT]))
            else:
                self._answer(rf.MRZ, seq, "\n".join(self.citizen.mrz_lines).encode("ascii"))
        elif frame.type == rf.POWER_ON:
            if not self._has_card():
                self._answer(rf.ERROR, seq, bytes([rf.ERROR_NO_CARD]))
                return
            self.powered = True
            self.chip.power_on()
            self._answer(rf.DATA, seq, ATR)
        elif frame.type == rf.POWER_OFF:
            self.powered = False
            self._answer(rf.SLOT_STATUS, seq, bytes([rf.SLOT_PRESENT if self._has_card()
                                                     else rf.SLOT_EMPTY]))
        elif frame.type == rf.XFR_BLOCK:
            self._transfer(seq, frame.payload)
        else:
            self._answer(rf.ERROR, seq, bytes([rf.ERROR_BAD_FRAME]))

    def _transfer(self, seq: int, command: bytes) -> None:
        if not self._has_card():
            self._answer(rf.ERROR, seq, bytes([rf.ERROR_NO_CARD]))
            return
        if not self.powered:
            self._answer(rf.ERROR, seq, bytes([rf.ERROR_CARD_REMOVED]))
            return
        is_read = len(command) > 1 and command[1] == iso.INS_READ_BINARY
        if is_read and self.chip.channel is not None and self.vanish_if_unplug_profile():
            return
        if (is_read and self.profile == "card_removed"
                and self.chip.reads >= self.options["removal_after"]):
            self.remove_card()
            self._answer(rf.ERROR, seq, bytes([rf.ERROR_CARD_REMOVED]))
            return
        self._answer(rf.DATA, seq, self.chip.process(command))

    # -- fault shapes ---------------------------------------------------------------------

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 8), exclude=bytes([rf.STX]))

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x5A])
