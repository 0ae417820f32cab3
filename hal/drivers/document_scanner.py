"""Document scanner driver: one page as JPEG or PDF bytes (see hal.protocols.document_scanner).

``read()`` asks for a scan in the descriptor's ``format`` (``jpeg`` or ``pdf``), waits for
the PAGE announcement, fetches the page in blocks, checks its length and CRC-32 and
releases it. The Reading's values: ``format``, ``mime_type``, ``size`` and ``content``
(bytes); there are no measured channels.

``read_codes()`` scans the page and asks the scanner which codes it recognised on it (CODES,
protocol 1.1): the Reading's values are ``codes`` — a list of ``{"symbology": "qr",
"text": ...}`` — and ``size`` of the page; the image itself is not fetched. A scanner without
recognition → fault ``codes_unsupported``.

Faults the scanner reports: nothing on the glass → ``no_document`` (status stays READY);
paper jam → ``paper_jam`` (NOT_READY until staff clear it; the heartbeat sees it go).
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceBusy, DeviceFault, DeviceTimeout, ProtocolError
from hal.model import DeviceKind, Reading, Status
from hal.protocols import document_scanner as ds

JAM_REASON = "Paper is jammed in the scanner: ask the station staff to clear it"


def _no_document() -> DeviceFault:
    return DeviceFault("no_document", "No document on the scanner: place the page face down "
                                      "on the glass, close the lid and scan again")


def _paper_jam() -> DeviceFault:
    return DeviceFault("paper_jam", JAM_REASON, status_after=Status.NOT_READY)


@register_driver(DeviceKind.document_scanner)
class DocumentScannerDriver(Driver):
    default_capabilities = frozenset({"jpeg", "pdf"})
    serial_settings = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}
    option_defaults = {"format": "jpeg", "resolution": 200, "scan_timeout": 20.0,
                       "block_size": ds.MAX_BLOCK, "max_page_bytes": 8 * 1024 * 1024,
                       "garbage_limit": 64}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._seq = itertools.cycle(range(1, 256))

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        state = self._request(port, ds.MSG_STATUS_REQUEST, b"", {ds.MSG_STATUS}).payload[:1]
        if state == bytes([ds.STATE_PAPER_JAM]):
            raise _paper_jam()
        if state == bytes([ds.STATE_NO_DOCUMENT]):
            return "no document"
        return "document ready" if state == bytes([ds.STATE_DOCUMENT_READY]) else None

    def read(self, timeout: float | None = None, image_format: str | None = None) -> Reading:
        """Scan one page; ``image_format`` ``jpeg`` or ``pdf`` (default: option ``format``)."""
        image_format = image_format or self.options["format"]
        request = ds.encode_scan(image_format, int(self.options["resolution"]))
        with self._session() as port:
            self._discard_input()
            seq = self._send(port, ds.MSG_SCAN, request)
            self._expect(port, seq, {ds.MSG_ACK}, self._deadline(self.answer_timeout))
            wait = self.options["scan_timeout"] if timeout is None else timeout
            info = ds.decode_page_info(
                self._expect(port, seq, {ds.MSG_PAGE}, self._deadline(wait)).payload)
            if info.length > self.options["max_page_bytes"]:
                raise ProtocolError(f"page of {info.length} bytes exceeds max_page_bytes")
            content = ds.check_page(info, self._fetch(port, info.length))
            with contextlib.suppress(DeviceTimeout):
                self._request(port, ds.MSG_RELEASE, b"", {ds.MSG_ACK})
            return Reading(self.device_id, {"format": info.format,
                                            "mime_type": ds.MIME_TYPES[info.format],
                                            "size": info.length, "content": content},
                           {}, self._utcnow())

    def read_codes(self, timeout: float | None = None) -> Reading:
        """Scan the page on the glass and return the codes (QR, Data Matrix, Code 128) on it."""
        request = ds.encode_scan("jpeg", int(self.options["resolution"]))
        with self._session() as port:
            self._discard_input()
            seq = self._send(port, ds.MSG_SCAN, request)
            self._expect(port, seq, {ds.MSG_ACK}, self._deadline(self.answer_timeout))
            wait = self.options["scan_timeout"] if timeout is None else timeout
            info = ds.decode_page_info(self._expect(port, seq, {ds.MSG_PAGE}, self._deadline(wait)).payload)
            try:
                frame = self._request(port, ds.MSG_CODES_REQUEST, b"", {ds.MSG_CODES})
            except ProtocolError as exc:
                if getattr(exc, "scanner_error", None) == ds.ERR_UNKNOWN_TYPE:  # no barcode recognition
                    raise DeviceFault("codes_unsupported", "This scanner cannot read QR codes or barcodes") from None
                raise
            codes = ds.decode_codes(frame.payload)
            with contextlib.suppress(DeviceTimeout):
                self._request(port, ds.MSG_RELEASE, b"", {ds.MSG_ACK})
            return Reading(self.device_id, {"codes": [{"symbology": c.symbology,
                                                       "text": c.data.decode("utf-8", "replace")} for c in codes],
                                            "size": info.length}, {}, self._utcnow())

    # -- internals ------------------------------------------------------------------------

    def _fetch(self, port: Any, length: int) -> bytes:
        page = bytearray()
        block = max(1, min(int(self.options["block_size"]), ds.MAX_BLOCK))
        while len(page) < length:
            count = min(block, length - len(page))
            frame = self._request(port, ds.MSG_READ, ds.encode_read(len(page), count), {ds.MSG_DATA})
            offset, data = ds.decode_data(frame.payload)
            if offset != len(page) or not data or len(data) > count:
                raise ProtocolError("scanner answered a READ with the wrong block")
            page += data
        return bytes(page)

    def _send(self, port: Any, msg_type: int, payload: bytes) -> int:
        seq = next(self._seq)
        port.write(ds.encode_frame(msg_type, seq, payload))
        return seq

    def _request(self, port: Any, msg_type: int, payload: bytes, expected: set[int]) -> ds.Frame:
        seq = self._send(port, msg_type, payload)
        return self._expect(port, seq, expected, self._deadline(self.answer_timeout))

    def _expect(self, port: Any, seq: int, types: set[int], deadline: float) -> ds.Frame:
        """The answer to request ``seq`` of one of ``types``; ERROR frames become faults."""
        while True:
            frame = self._read_frame(port, deadline)
            if frame.seq != seq:
                continue  # a late answer to an earlier request
            if frame.type in types:
                return frame
            if frame.type == ds.MSG_ERROR:
                raise self._error(frame.payload[:1])
            raise ProtocolError(f"unexpected answer type 0x{frame.type:02X}")

    def _error(self, code: bytes) -> Exception:
        value = code[0] if code else 0
        if value == ds.ERR_NO_DOCUMENT:
            return _no_document()
        if value == ds.ERR_PAPER_JAM:
            return _paper_jam()
        if value == ds.ERR_BUSY:
            return DeviceBusy(f"device {self.device_id} is already scanning")
        error = ProtocolError(f"the scanner refused the request (error 0x{value:02X})")
        error.scanner_error = value  # type: ignore[attr-defined]
        return error

    def _read_frame(self, port: Any, deadline: float) -> ds.Frame:
        return self._read_framed(port, deadline, ds.take_frame)
