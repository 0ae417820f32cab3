"""Chip ID card reader driver: ICAO 9303 eMRTD over the reader link of
:mod:`hal.protocols.icao.reader_frame` (see docs/hal.md, "Chip ID card reader").

``read_card(mrz_info)`` powers the card, selects the eMRTD application, runs Basic Access
Control with keys from the MRZ information, and reads the requested files under secure
messaging. It returns everything or nothing: a card pulled mid-read raises
:class:`DeviceFault` ``card_removed`` and no partial data. ``scan_mrz()`` reads the MRZ
through the reader's scanner window (kiosk OCR), so a citizen need not type it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout, ProtocolError
from hal.model import DeviceKind
from hal.protocols.icao import apdu as iso
from hal.protocols.icao import bac, datagroups, tlv
from hal.protocols.icao import reader_frame as rf
from hal.protocols.icao.mrz import Td1, parse_td1, validate_mrz_information
from hal.protocols.icao.secure_messaging import SecureChannel

DEFAULT_FILES = ("COM", "DG1", "DG2", "DG13", "SOD")
#: Bytes per READ BINARY: keeps a secure-messaging response under 256 bytes.
READ_CHUNK = 0xDF
MAX_FILE_SIZE = 32 * 1024


class AccessDenied(DeviceFault):
    """BAC failed: the MRZ numbers given do not open this card."""

    def __init__(self) -> None:
        super().__init__(
            "access_denied",
            "The card refused access. Check the document number, date of birth and expiry "
            "date typed (or scan the card's MRZ again).",
        )


@dataclass(frozen=True)
class CardData:
    """What was read from a chip: raw file bytes by name, plus parsed DG1 and DG13."""

    files: dict[str, bytes]
    mrz: Td1 | None
    dg13: dict[str, Any] | None

    def portrait(self) -> datagroups.FaceImage | None:
        """The face image in DG2, if it was read."""
        return datagroups.decode_dg2(self.files["DG2"]) if "DG2" in self.files else None


@dataclass(frozen=True)
class MrzScan:
    """The MRZ seen through the scanner window."""

    lines: tuple[str, str, str]
    td1: Td1

    @property
    def mrz_information(self) -> str:
        return self.td1.mrz_information


@register_driver(DeviceKind.card_reader)
class CardReaderDriver(Driver):
    """Driver for a serial chip card reader (ICAO 9303 BAC + secure messaging)."""

    serial_settings: ClassVar[dict[str, Any]] = {
        "baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1,
    }
    default_capabilities = frozenset({"icao9303", "bac", "mrz_scan"})
    option_defaults: ClassVar[dict[str, Any]] = {"answer_timeout": 2.0}

    def __init__(self, descriptor, *, random_bytes: Callable[[int], bytes] = os.urandom,
                 **kwargs: Any) -> None:
        super().__init__(descriptor, **kwargs)
        self._random_bytes = random_bytes
        self._seq = 0
        self._frames = rf.FrameReader()
        self._queue: list[rf.ReaderFrame] = []

    # -- public API -------------------------------------------------------------------------

    def read_card(self, mrz_info: str, files: Iterable[str] = DEFAULT_FILES) -> CardData:
        """Open the chip with the MRZ information and read ``files`` (names as in
        :data:`hal.protocols.icao.apdu.FILE_IDS`). Files the card lacks are left out.

        Raises :class:`AccessDenied` (wrong MRZ numbers), :class:`DeviceFault` ``no_card`` /
        ``card_removed`` / ``not_an_id_card``, :class:`ProtocolError`, :class:`DeviceTimeout`,
        :class:`~hal.errors.DeviceNotReady`, :class:`~hal.errors.DeviceBusy`.
        """
        wanted = tuple(files)
        unknown = [name for name in wanted if name not in iso.FILE_IDS]
        if unknown:
            raise ValueError(f"unknown file name(s): {', '.join(unknown)}")
        try:
            key_input = validate_mrz_information(mrz_info)
        except ValueError as exc:
            raise DeviceFault("bad_mrz_input", f"The card numbers look mistyped: {exc}.") from None
        with self._session() as port:
            self._reset_link()
            self._request(port, rf.POWER_ON)
            try:
                channel = self._open_secure_channel(port, key_input)
                raw = {}
                for name in wanted:
                    content = self._read_file(port, channel, iso.FILE_IDS[name])
                    if content is not None:
                        raw[name] = content
            except DeviceFault:
                self._power_off_quietly(port)  # the reader still answers: leave the card idle
                raise
            self._power_off_quietly(port)
        mrz = datagroups.decode_dg1(raw["DG1"]) if "DG1" in raw else None
        dg13 = datagroups.decode_dg13(raw["DG13"]).as_dict() if "DG13" in raw else None
        return CardData(raw, mrz, dg13)

    def scan_mrz(self) -> MrzScan:
        """Read the MRZ of the document on the scanner window (kiosk OCR)."""
        with self._session() as port:
            frame = self._request(port, rf.SCAN_MRZ, expect=rf.MRZ)
        try:
            text = frame.payload.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("MRZ scan is not ASCII text") from None
        td1 = parse_td1(text)
        return MrzScan(td1.lines, td1)

    # -- steps ------------------------------------------------------------------------------

    def _open_secure_channel(self, port: Any, mrz_info: str) -> SecureChannel:
        selected = self._transmit(port, bytes(iso.select_application()))
        if selected.sw != iso.SW_OK:
            raise DeviceFault("not_an_id_card", "This card is not a chip ID card or passport.")
        challenge = self._transmit(port, bytes(iso.get_challenge()))
        if challenge.sw != iso.SW_OK or len(challenge.data) != 8:
            raise ProtocolError("chip gave no usable challenge")
        k_enc, k_mac = bac.document_basic_access_keys(mrz_info)
        rnd_ifd, k_ifd = self._random_bytes(8), self._random_bytes(16)
        data = bac.mutual_authenticate_data(k_enc, k_mac, challenge.data, rnd_ifd, k_ifd)
        answer = self._transmit(port, bytes(iso.mutual_authenticate(data)))
        if answer.sw != iso.SW_OK:
            raise AccessDenied()
        keys = bac.finish_mutual_authentication(
            answer.data, k_enc, k_mac, challenge.data, rnd_ifd, k_ifd
        )
        return SecureChannel(keys)

    def _read_file(self, port: Any, channel: SecureChannel, file_id: int) -> bytes | None:
        selected = self._secure(port, channel, iso.select_file(file_id))
        if selected.sw == iso.SW_FILE_NOT_FOUND:
            return None
        self._check_sw(selected, "select a file")
        head = self._secure(port, channel, iso.read_binary(0, 4))
        self._check_sw(head, "read a file")
        total = tlv.total_length(head.data)
        if total is None or total > MAX_FILE_SIZE:
            raise ProtocolError("chip file has an unusable length")
        content = bytearray(head.data[:total])
        while len(content) < total:
            size = min(READ_CHUNK, total - len(content))
            chunk = self._secure(port, channel, iso.read_binary(len(content), size))
            self._check_sw(chunk, "read a file")
            if not chunk.data:
                raise ProtocolError("chip returned no data for a file read")
            content += chunk.data[:size]
        return bytes(content)

    def _secure(self, port: Any, channel: SecureChannel, cmd: iso.CommandApdu) -> iso.ResponseApdu:
        raw = self._exchange(port, channel.wrap_command(cmd))
        return channel.unwrap_response(raw)

    @staticmethod
    def _check_sw(response: iso.ResponseApdu, what: str) -> None:
        if response.sw != iso.SW_OK:
            raise ProtocolError(f"chip refused to {what} (status {response.sw:04X})")

    def _transmit(self, port: Any, command: bytes) -> iso.ResponseApdu:
        return iso.decode_response(self._exchange(port, command))

    def _exchange(self, port: Any, command: bytes) -> bytes:
        return self._request(port, rf.XFR_BLOCK, command).payload

    def _power_off_quietly(self, port: Any) -> None:
        try:
            self._request(port, rf.POWER_OFF, expect=rf.SLOT_STATUS)
        except Exception:  # best effort: the reader may already be gone
            self._reset_link()

    # -- link -------------------------------------------------------------------------------

    def _request(self, port: Any, kind: int, payload: bytes = b"",
                 expect: int = rf.DATA) -> rf.ReaderFrame:
        self._seq = (self._seq + 1) & 0xFF
        port.write(rf.encode_frame(rf.ReaderFrame(kind, self._seq, payload)))
        deadline = self._deadline(float(self.options["answer_timeout"]))
        while True:
            frame = self._next_frame(port, deadline)
            if frame.seq != self._seq:
                continue  # a late answer to an earlier request
            if frame.type == rf.ERROR:
                raise self._reader_error(frame.payload[:1])
            if frame.type != expect:
                raise ProtocolError(f"reader answered with frame type {frame.type:02X}")
            return frame

    def _next_frame(self, port: Any, deadline: float) -> rf.ReaderFrame:
        while not self._queue:
            chunk = self._read_some(port, deadline)
            if not chunk:
                self._reset_link()
                raise DeviceTimeout(f"card reader {self.device_id} did not answer in time")
            try:
                self._queue.extend(self._frames.feed(chunk))
            except ProtocolError:
                self._reset_link()
                raise
        return self._queue.pop(0)

    def _reset_link(self) -> None:
        self._frames = rf.FrameReader()
        self._queue.clear()

    @staticmethod
    def _reader_error(code: bytes) -> Exception:
        value = code[0] if code else 0
        if value == rf.ERROR_NO_CARD:
            return DeviceFault("no_card", "No card on the reader. Place the ID card on the reader.")
        if value == rf.ERROR_NO_DOCUMENT:
            return DeviceFault("no_document", "No card on the scanner window. "
                               "Place the ID card face down on the scanner.")
        if value == rf.ERROR_CARD_REMOVED:
            return DeviceFault("card_removed", "The card was moved away during reading. "
                               "Leave the card on the reader and try again.")
        if value == rf.ERROR_BAD_FRAME:
            return ProtocolError("card reader could not understand the request")
        return ProtocolError(f"card reader reported error {value:02X}")

    def _probe(self, port: Any) -> str | None:
        frame = self._request(port, rf.GET_SLOT_STATUS, expect=rf.SLOT_STATUS)
        return "no card" if frame.payload[:1] == bytes([rf.SLOT_EMPTY]) else "card present"


__all__ = ["AccessDenied", "CardData", "CardReaderDriver", "MrzScan"]
