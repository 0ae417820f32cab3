"""Simulated VC0706 serial JPEG camera (the kiosk camera; see hal.protocols.vc0706).

Answers GEN_VERSION, FBUF_CTRL (stop = take picture, resume), GET_FBUF_LEN and READ_FBUF
byte for byte. The picture is a real JPEG drawn at power-on with Pillow (a station
dependency) and the bundled DejaVu Sans Mono: a grey test card that says "ẢNH MÔ PHỎNG /
SIMULATED PHOTO" with a picture number, so a simulated photo can never pass for a real one.
A READ_FBUF past the end of the frame is padded with 00 bytes (the rest of the frame buffer),
as a host reading in blocks of 8 sees on the real module; the host trims to the length.

Options: ``capture_s`` (0.2 s to freeze and compress a frame), ``version`` (``VC0703 1.00``),
``width``/``height`` (320×240). Profiles: ``capture_error`` — the camera answers status 04
(cannot execute now) to take picture; ``unplug`` vanishes on take picture; ``garbage``
answers random bytes without a ``76``; ``bad_checksum`` (the protocol has no checksum): the
picture data loses a byte, as a UART overrun does, so the trailing header comes too early.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from hal.model import DeviceKind
from hal.protocols import vc0706
from hal.sim import register_simulator
from hal.sim.base import Simulator

FONT = Path(__file__).resolve().parents[1] / "data" / "fonts" / "DejaVuSansMono.ttf"
SIMULATED_LABEL = "ẢNH MÔ PHỎNG"


@lru_cache(maxsize=8)
def simulated_photo_jpeg(number: int = 1, width: int = 320, height: int = 240) -> bytes:
    """A small real JPEG test card that says it is a simulated photo (deterministic)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), (96, 108, 120))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 40):  # a grid, so a preview visibly shows an image
        draw.line([(x, 0), (x, height)], fill=(120, 132, 144))
    for y in range(0, height, 40):
        draw.line([(0, y), (width, y)], fill=(120, 132, 144))
    big = ImageFont.truetype(str(FONT), max(12, width // 12))
    small = ImageFont.truetype(str(FONT), max(10, width // 20))
    draw.rectangle([(0, height // 2 - 40), (width, height // 2 + 44)], fill=(255, 255, 255))
    draw.text((width // 2, height // 2 - 14), SIMULATED_LABEL, font=big, fill=(180, 0, 0), anchor="mm")
    draw.text((width // 2, height // 2 + 22), f"SIMULATED PHOTO #{number}", font=small, fill=(0, 0, 0),
              anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


@register_simulator(DeviceKind.camera)
class CameraSimulator(Simulator):
    profiles = frozenset({"capture_error"})
    option_defaults = {"capture_s": 0.2, "version": "VC0703 1.00", "width": 320, "height": 240}
    line_settings = {"baudrate": 38400, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        self._buffer = bytearray()
        self.pictures_taken = 0
        self.frozen: bytes | None = None  # the stopped frame, None in live view

    def current_frame(self) -> bytes:
        """The frame the camera holds: the stopped picture, else the live view."""
        if self.frozen is not None:
            return self.frozen
        return simulated_photo_jpeg(self.pictures_taken + 1, self.options["width"], self.options["height"])

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while True:
            command, used = vc0706.take_command(bytes(self._buffer))
            del self._buffer[:used]
            if command is None:
                break
            self._answer(command)
        if len(self._buffer) > 64:
            self._buffer.clear()  # the camera ignores what it cannot parse

    def _answer(self, command: vc0706.Command) -> None:
        if command.serial != vc0706.SERIAL:
            return  # another module's number: not for this camera
        if command.command == vc0706.CMD_GEN_VERSION:
            self.send(vc0706.encode_version(self.options["version"]))
        elif command.command == vc0706.CMD_FBUF_CTRL and command.data[:1] == bytes([vc0706.FBUF_STOP_CURRENT]):
            self._take_picture()
        elif command.command == vc0706.CMD_FBUF_CTRL and command.data[:1] == bytes([vc0706.FBUF_RESUME]):
            self.frozen = None
            self.send(vc0706.encode_answer(vc0706.CMD_FBUF_CTRL))
        elif command.command == vc0706.CMD_GET_FBUF_LEN and len(command.data) == 1:
            self.send(vc0706.encode_length(len(self.current_frame())))
        elif command.command == vc0706.CMD_READ_FBUF:
            self._read(command.data)
        elif command.command in vc0706.KNOWN_COMMANDS:
            self.send(vc0706.encode_answer(command.command, vc0706.STATUS_DATA_FORMAT_ERROR))
        else:
            self.send(vc0706.encode_answer(command.command & 0xFF, vc0706.STATUS_NOT_RECEIVED))

    def _take_picture(self) -> None:
        if self.vanish_if_unplug_profile():
            return
        if self.profile == "capture_error":
            self.send(vc0706.encode_answer(vc0706.CMD_FBUF_CTRL, vc0706.STATUS_CANNOT_EXECUTE))
            return
        self.pictures_taken += 1
        self.frozen = simulated_photo_jpeg(self.pictures_taken, self.options["width"], self.options["height"])
        self.send(vc0706.encode_answer(vc0706.CMD_FBUF_CTRL), delay=self.options["capture_s"])

    def _read(self, data: bytes) -> None:
        try:
            address, count = vc0706.decode_read_frame(data)
        except Exception:  # noqa: BLE001 — a malformed request is answered, never fatal
            self.send(vc0706.encode_answer(vc0706.CMD_READ_FBUF, vc0706.STATUS_DATA_LENGTH_ERROR))
            return
        frame = self.current_frame()
        chunk = frame[address:address + count]
        chunk += bytes(count - len(chunk))  # past the frame: the rest of the buffer, zeros
        marker = vc0706.frame_data_marker()
        self.send(marker + chunk + marker)

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 8), exclude=bytes([vc0706.ANSWER_SIGN]))

    def break_checksum(self, data: bytes) -> bytes:
        marker = vc0706.frame_data_marker()
        if data.startswith(marker) and data.endswith(marker) and len(data) > 2 * len(marker):
            middle = len(data) // 2
            return data[:middle] + data[middle + 1:]  # a byte lost in the picture data
        return bytes([vc0706.ANSWER_SIGN ^ 0x01]) + data[1:]  # a broken header byte
