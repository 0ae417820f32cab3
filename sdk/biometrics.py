"""Face verification through the station's face verifier (HAL kind ``face_verifier``).

    from sdk.biometrics import verify_face

    match = verify_face(portrait_jpeg)     # FaceMatch(score 0-100, live), or DeviceUnavailable
    if match.live and match.score >= threshold: ...

The plugin decides the threshold; the device only compares. Neither the reference nor the
capture is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import pick
from sdk.devices import DeviceUnavailable, device


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
    or ``error`` — never a made-up score.
    """
    from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady, DeviceTimeout, HalError

    driver = device("face_verifier")
    if driver is None:
        raise DeviceUnavailable(pick("Trạm này không có thiết bị xác thực khuôn mặt.",
                                     "This station has no face verification device."), "missing", retry=False)
    try:
        if driver.status.value in ("CONNECTING", "NOT_READY", "ERROR"):
            driver.open()
        result = driver.verify(reference_jpeg, timeout=timeout)
    except DeviceFault as exc:
        if exc.code == "no_face":
            raise DeviceUnavailable(pick("Không thấy khuôn mặt: hãy nhìn thẳng vào camera, bỏ kính râm hoặc "
                                         "khẩu trang và thử lại.", exc.reason), "no_face") from None
        raise DeviceUnavailable(exc.reason, exc.code) from None
    except DeviceBusy:
        raise DeviceUnavailable(pick("Thiết bị đang bận, vui lòng chờ giây lát.",
                                     "The device is busy; please wait a moment."), "busy") from None
    except (DeviceNotReady, DeviceTimeout):
        raise DeviceUnavailable(pick("Thiết bị xác thực khuôn mặt chưa sẵn sàng.",
                                     "The face verification device is not ready."), "not_ready") from None
    except HalError:
        raise DeviceUnavailable(pick("Thiết bị xác thực khuôn mặt báo lỗi; vui lòng thử lại.",
                                     "The face verification device reported a problem; please try again."),
                                "error") from None
    return FaceMatch(result.score, result.live, result.device_id)


__all__ = ["FaceMatch", "verify_face"]
