"""Face verification through the station's face verifier (HAL kind ``face_verifier``).

    from sdk.biometrics import verify_face

    match = verify_face(portrait_jpeg)     # FaceMatch(score 0-100, live), or DeviceUnavailable
    if match.live and match.score >= threshold: ...

The plugin decides the threshold; the device only compares. Neither the reference nor the
capture is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdk.devices import use_device


@dataclass(frozen=True)
class FaceMatch:
    """One comparison: ``score`` 0-100, ``live`` (liveness check passed), ``device_id``."""

    score: int
    live: bool
    device_id: str


def verify_face(reference_jpeg: bytes, timeout: float | None = None) -> FaceMatch:
    """Capture the face in front of the station and compare it with ``reference_jpeg``.

    Raises :class:`sdk.devices.DeviceUnavailable` with ``code`` ``missing`` (no face
    verifier), ``no_face`` (nobody at the camera), ``bad_reference``, ``busy``, ``not_ready``
    or ``error`` (and ``state`` absent / not_ready / busy / failed) — never a made-up score.
    """
    result = use_device("face_verifier", lambda driver: driver.verify(reference_jpeg, timeout=timeout))
    return FaceMatch(result.score, result.live, result.device_id)


__all__ = ["FaceMatch", "verify_face"]
