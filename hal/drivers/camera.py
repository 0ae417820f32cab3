"""Kiosk camera driver: one still picture as JPEG bytes from a VC0706 serial camera
(see hal.protocols.vc0706), 38400 8N1.

``read()`` freezes the current frame (take picture), asks its length, reads it in blocks
(a multiple of 8 bytes, each framed by ``76 00 32 00 00``), checks the length and the JPEG
markers and resumes live view — also when the transfer failed, so the next picture is fresh.
The Reading's values: ``format`` (``jpeg``), ``mime_type``, ``size`` and ``content`` (bytes);
no measured channels. The picture is handed to the caller in memory, never written to disk.

Faults the camera reports: it cannot take the picture now → ``capture_failed`` (status stays
READY: try again); an empty frame → ``no_image``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, HalError, ProtocolError
from hal.model import DeviceKind, Reading
from hal.protocols import vc0706


@register_driver(DeviceKind.camera)
class CameraDriver(Driver):
    default_capabilities = frozenset({"jpeg"})
    serial_settings = {"baudrate": 38400, "bytesize": 8, "parity": "N", "stopbits": 1}
    option_defaults = {"block_size": 1024, "max_picture_bytes": 512 * 1024, "capture_timeout": 3.0,
                       "garbage_limit": 64}

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        answer = self._request(port, vc0706.GET_VERSION, vc0706.CMD_GEN_VERSION)
        vc0706.decode_version(answer)
        return None

    def read(self, timeout: float | None = None) -> Reading:
        """Take one picture: a JPEG in memory."""
        with self._session() as port:
            self._discard_input()
            wait = self.options["capture_timeout"] if timeout is None else timeout
            answer = self._request(port, vc0706.TAKE_PICTURE, vc0706.CMD_FBUF_CTRL, wait, check=False)
            if answer.status != vc0706.STATUS_OK:
                raise DeviceFault("capture_failed", "The camera could not take the picture: try again")
            try:
                length = self._frame_length(port)
                if length == 0:
                    raise DeviceFault("no_image", "The camera returned no picture: try again")
                if length > int(self.options["max_picture_bytes"]):
                    raise ProtocolError(f"picture of {length} bytes exceeds max_picture_bytes")
                content = vc0706.check_jpeg(self._fetch(port, length), length)
            finally:
                with contextlib.suppress(HalError):
                    self._discard_input()
                    self._request(port, vc0706.RESUME, vc0706.CMD_FBUF_CTRL)
            return Reading(self.device_id, {"format": "jpeg", "mime_type": "image/jpeg", "size": length,
                                            "content": content}, {}, self._utcnow())

    # -- internals ------------------------------------------------------------------------

    def _frame_length(self, port: Any) -> int:
        return vc0706.decode_length(self._request(port, vc0706.GET_LENGTH, vc0706.CMD_GET_FBUF_LEN))

    def _fetch(self, port: Any, length: int) -> bytes:
        block = max(8, int(self.options["block_size"]) // 8 * 8)
        picture = bytearray()
        while len(picture) < length:
            count = min(block, length - len(picture))
            count += -count % 8  # blocks of a multiple of 8 (the camera pads the last one)
            port.write(vc0706.read_frame(len(picture), count))
            deadline = self._deadline(self.answer_timeout)
            self._expect(port, vc0706.CMD_READ_FBUF, deadline)
            data = self._read_exact(port, count, deadline)
            self._expect(port, vc0706.CMD_READ_FBUF, deadline)  # the trailing header frames the data
            picture += data
        return bytes(picture[:length])

    def _read_exact(self, port: Any, count: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self._read_some(port, deadline)
            if not chunk:
                raise ProtocolError(f"the camera sent {len(data)} of {count} picture bytes")
            data += chunk
        self._pending = data[count:] + self._pending
        return bytes(data[:count])

    def _request(self, port: Any, request: bytes, command: int, timeout: float | None = None,
                 check: bool = True) -> vc0706.Answer:
        port.write(request)
        answer = self._expect(port, command, self._deadline(self.answer_timeout if timeout is None else timeout))
        if check and answer.status != vc0706.STATUS_OK:
            raise ProtocolError(f"the camera refused command 0x{command:02X} (status 0x{answer.status:02X})")
        return answer

    def _expect(self, port: Any, command: int, deadline: float) -> vc0706.Answer:
        answer = self._read_framed(port, deadline, vc0706.take_answer)
        if answer.command != command:
            raise ProtocolError(f"answer to command 0x{answer.command:02X}, expected 0x{command:02X}")
        return answer
