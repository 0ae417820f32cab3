"""Face verifier driver (protocol: :mod:`hal.protocols.face_verifier`).

``verify(reference_jpeg)`` loads the reference portrait (stop-and-wait chunks, each
acknowledged), asks the module to capture and compare, and returns a :class:`FaceMatch`
(score 0-100, liveness). Deciding whether a score is good enough is the caller's job (a
threshold in the plugin's settings); the driver only refuses what is not a comparison:

- ``DeviceFault("no_face")`` — nobody was in front of the camera (status stays READY);
- ``DeviceFault("bad_reference")`` — the module rejected the portrait (not a JPEG, too
  large, damaged in transit);
- :class:`~hal.errors.DeviceTimeout`, :class:`~hal.errors.ProtocolError`,
  :class:`~hal.errors.DeviceNotReady`, :class:`~hal.errors.DeviceBusy` as for every driver.

The reference image is never logged nor kept by the driver.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceBusy, DeviceFault, DeviceTimeout, ProtocolError
from hal.model import DeviceKind
from hal.protocols import face_verifier as fv


@dataclass(frozen=True)
class FaceMatch:
    """The module's verdict on one capture: ``score`` 0-100 and whether it looked alive."""

    device_id: str
    score: int
    live: bool
    taken_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "score": self.score, "live": self.live,
                "taken_at": self.taken_at.isoformat()}


_NAK_MEANINGS = {
    fv.NAK_REFERENCE_REJECTED: "The portrait from the card could not be used by the face "
                               "verifier (damaged or not a JPEG image).",
    fv.NAK_REFERENCE_TOO_LARGE: "The portrait from the card is too large for the face verifier.",
}


@register_driver(DeviceKind.face_verifier)
class FaceVerifierDriver(Driver):
    """Driver of a serial face-verification module."""

    serial_settings: ClassVar[dict[str, Any]] = {
        "baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1,
    }
    default_capabilities = frozenset({"face_match", "liveness"})
    option_defaults: ClassVar[dict[str, Any]] = {"capture_timeout": 20.0, "garbage_limit": 64,
                                                 "answer_timeout": 1.0}

    def verify(self, reference_jpeg: bytes, timeout: float | None = None) -> FaceMatch:
        """Compare the face in front of the camera with ``reference_jpeg`` (see module doc)."""
        if not isinstance(reference_jpeg, bytes | bytearray) or not reference_jpeg:
            raise ValueError("the reference portrait must be non-empty JPEG bytes")
        if len(reference_jpeg) > fv.MAX_REFERENCE:
            raise DeviceFault("bad_reference", _NAK_MEANINGS[fv.NAK_REFERENCE_TOO_LARGE])
        image = bytes(reference_jpeg)
        window = float(self.options["capture_timeout"] if timeout is None else timeout)
        with self._session() as port:
            self._discard_input()
            self._load_reference(port, image)
            self._exchange_ack(port, fv.MSG_VERIFY, fv.encode_verify(window))
            try:
                frame = self._expect(port, {fv.MSG_RESULT}, self._deadline(window))
            except DeviceTimeout:
                with contextlib.suppress(Exception):
                    port.write(fv.encode_frame(fv.MSG_ABORT))
                raise
            result = fv.decode_result(frame.payload)
        if result.outcome == fv.OUTCOME_NO_FACE:
            raise DeviceFault("no_face", "No face was seen: look straight at the camera, "
                                         "remove sunglasses or a mask, and try again.")
        if result.outcome == fv.OUTCOME_NO_REFERENCE:
            raise ProtocolError("the face verifier lost the reference portrait")
        return FaceMatch(self.device_id, result.score, result.live, self._utcnow())

    # -- steps ------------------------------------------------------------------------------

    def _load_reference(self, port: Any, image: bytes) -> None:
        self._exchange_ack(port, fv.MSG_REF_BEGIN, fv.encode_ref_begin(len(image), fv.crc32(image)))
        for chunk in fv.reference_chunks(image):
            self._exchange_ack(port, fv.MSG_REF_CHUNK, chunk)
        self._exchange_ack(port, fv.MSG_REF_END)

    def _exchange_ack(self, port: Any, msg_type: int, payload: bytes = b"") -> None:
        port.write(fv.encode_frame(msg_type, payload))
        frame = self._expect(port, {fv.MSG_ACK}, self._deadline(self.answer_timeout))
        if frame.payload[:1] != bytes([msg_type]):
            raise ProtocolError("the face verifier acknowledged another request")

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        port.write(fv.encode_frame(fv.MSG_STATUS_REQUEST))
        frame = self._expect(port, {fv.MSG_STATUS}, self._deadline(self.answer_timeout))
        return "capturing" if frame.payload[:1] == bytes([fv.STATE_CAPTURING]) else None

    def _expect(self, port: Any, types: set[int], deadline: float) -> fv.Frame:
        """The next frame of one of ``types``; NAKs and garbage become errors."""
        while True:
            frame = self._read_frame(port, deadline)
            if frame.type in types:
                return frame
            if frame.type == fv.MSG_NAK:
                code = frame.payload[0] if frame.payload else 0
                if code == fv.NAK_BUSY:
                    raise DeviceBusy(f"device {self.device_id} is already capturing")
                if code in _NAK_MEANINGS:
                    raise DeviceFault("bad_reference", _NAK_MEANINGS[code])
                raise ProtocolError(f"the face verifier rejected the request (NAK {code})")

    def _read_frame(self, port: Any, deadline: float) -> fv.Frame:
        return self._read_framed(port, deadline, _take_frame)


__all__ = ["FaceMatch", "FaceVerifierDriver"]


def _take_frame(data: bytes) -> tuple[fv.Frame | None, int, int]:
    """fv.take_frame with its malformed-frame error as the HAL's ProtocolError."""
    try:
        return fv.take_frame(data)
    except fv.BadFrame as exc:
        raise ProtocolError(str(exc)) from None
