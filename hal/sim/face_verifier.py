"""Simulated face-verification module (protocol: :mod:`hal.protocols.face_verifier`).

It accepts a reference portrait (checked: length, CRC-32, JPEG markers), and on VERIFY
acknowledges, "captures" for ``capture_s`` seconds, then reports a score and a liveness flag
chosen by the profile — it compares no pixels.

Profiles beyond the common ones:

- ``match`` (and ``ok``) — the person in front of the camera is the card holder: score
  ``match_score`` (93), liveness passed.
- ``mismatch`` — someone else: score ``mismatch_score`` (21), liveness passed.
- ``no_face`` — nobody looks at the camera: outcome "no face", score 0.
- ``spoof`` — a photo or screen held up: score ``spoof_score`` (90), liveness failed.
- ``unplug`` vanishes when VERIFY arrives; ``garbage`` / ``bad_checksum`` / ``timeout``
  as everywhere.

Options: ``capture_s`` (1.0), ``match_score`` (93), ``mismatch_score`` (21),
``spoof_score`` (90). Tests read ``references`` (every reference image accepted).
"""

from __future__ import annotations

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols import face_verifier as fv
from hal.sim import register_simulator
from hal.sim.base import Simulator

ANSWER_DELAY = 0.002


@register_simulator(DeviceKind.face_verifier)
class FaceVerifierSimulator(Simulator):
    """A serial face-verification module (see the module docstring)."""

    profiles = frozenset({"match", "mismatch", "no_face", "spoof"})
    option_defaults = {"capture_s": 1.0, "match_score": 93, "mismatch_score": 21,
                       "spoof_score": 90}
    line_settings = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        self._buffer = bytearray()
        self._incoming: bytearray | None = None
        self._expected: tuple[int, int] | None = None
        self.reference: bytes | None = None
        self.references: list[bytes] = getattr(self, "references", [])
        self._capturing_until: float | None = None
        self._pending_result: bytes | None = None

    # -- wire ---------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            try:
                frame, consumed, _ = fv.take_frame(bytes(self._buffer))
            except fv.BadFrame as exc:
                del self._buffer[:exc.consumed]
                self._nak(fv.NAK_BAD_CRC)
                continue
            del self._buffer[:consumed]
            if frame is None:
                return
            self._handle(frame)

    def _answer(self, msg_type: int, payload: bytes = b"", delay: float = ANSWER_DELAY) -> None:
        self.send(fv.encode_frame(msg_type, payload), delay)

    def _ack(self, msg_type: int) -> None:
        self._answer(fv.MSG_ACK, bytes([msg_type]))

    def _nak(self, code: int) -> None:
        self._answer(fv.MSG_NAK, bytes([code]))

    def _capturing(self) -> bool:
        return self._capturing_until is not None and self.now < self._capturing_until

    def _handle(self, frame: fv.Frame) -> None:
        if frame.type == fv.MSG_STATUS_REQUEST:
            state = (fv.STATE_CAPTURING if self._capturing() else
                     fv.STATE_REFERENCE_LOADED if self.reference is not None else fv.STATE_IDLE)
            self._answer(fv.MSG_STATUS, bytes([state]))
        elif frame.type == fv.MSG_ABORT:
            self._outbox = [item for item in self._outbox if item[1] is not self._pending_result]
            self._capturing_until = None
            self._ack(fv.MSG_ABORT)
        elif self._capturing():
            self._nak(fv.NAK_BUSY)
        elif frame.type == fv.MSG_REF_BEGIN:
            self._begin_reference(frame.payload)
        elif frame.type == fv.MSG_REF_CHUNK:
            self._reference_chunk(frame.payload)
        elif frame.type == fv.MSG_REF_END:
            self._end_reference()
        elif frame.type == fv.MSG_VERIFY:
            self._verify()
        else:
            self._nak(fv.NAK_UNKNOWN_TYPE)

    def _begin_reference(self, payload: bytes) -> None:
        try:
            total, image_crc = fv.decode_ref_begin(payload)
        except ProtocolError:
            self._nak(fv.NAK_REFERENCE_REJECTED)
            return
        if total > fv.MAX_REFERENCE:
            self._nak(fv.NAK_REFERENCE_TOO_LARGE)
            return
        self.reference = None
        self._incoming, self._expected = bytearray(), (total, image_crc)
        self._ack(fv.MSG_REF_BEGIN)

    def _reference_chunk(self, payload: bytes) -> None:
        try:
            offset, data = fv.decode_ref_chunk(payload)
        except ProtocolError:
            self._nak(fv.NAK_OUT_OF_SEQUENCE)
            return
        if self._incoming is None or self._expected is None or offset != len(self._incoming) \
                or offset + len(data) > self._expected[0]:
            self._nak(fv.NAK_OUT_OF_SEQUENCE)
            return
        self._incoming += data
        self._ack(fv.MSG_REF_CHUNK)

    def _end_reference(self) -> None:
        if self._incoming is None or self._expected is None:
            self._nak(fv.NAK_OUT_OF_SEQUENCE)
            return
        image, (total, image_crc) = bytes(self._incoming), self._expected
        self._incoming, self._expected = None, None
        if len(image) != total or fv.crc32(image) != image_crc or not fv.looks_like_jpeg(image):
            self._nak(fv.NAK_REFERENCE_REJECTED)
            return
        self.reference = image
        self.references.append(image)
        self._ack(fv.MSG_REF_END)

    def _verify(self) -> None:
        if self.vanish_if_unplug_profile():
            return
        self._ack(fv.MSG_VERIFY)
        capture = float(self.options["capture_s"])
        self._capturing_until = self.now + capture
        before = len(self._outbox)
        self._answer(fv.MSG_RESULT, fv.encode_result(self._result()), delay=capture)
        self._pending_result = self._outbox[-1][1] if len(self._outbox) > before else None

    def _result(self) -> fv.VerifyResult:
        if self.reference is None:
            return fv.VerifyResult(fv.OUTCOME_NO_REFERENCE, 0, False)
        profile, o = self.profile, self.options
        if profile == "no_face":
            return fv.VerifyResult(fv.OUTCOME_NO_FACE, 0, False)
        if profile == "mismatch":
            return fv.VerifyResult(fv.OUTCOME_COMPARED, _score(o["mismatch_score"]), True)
        if profile == "spoof":
            return fv.VerifyResult(fv.OUTCOME_COMPARED, _score(o["spoof_score"]), False)
        return fv.VerifyResult(fv.OUTCOME_COMPARED, _score(o["match_score"]), True)

    # -- fault shapes ---------------------------------------------------------------------

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 16), exclude=bytes([fv.STX]))

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x5A])


def _score(value: int) -> int:
    return max(0, min(100, int(value)))
