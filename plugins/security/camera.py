"""The report photo from the kiosk camera: take → preview → use / retake, without a file.

The picture comes through the station's one device path (``sdk.devices.measure("camera")``)
and travels only inside the form (base64 in a hidden field, shown as a ``data:`` preview), so
nothing is written to the kiosk's disk and any worker can take the next step. What comes back
is checked like an upload (JPEG, size limit) before it is stored with the report.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sdk import UserInputError, pick, plugin_settings
from sdk.devices import DeviceUnavailable, device_status, measure
from sdk.uploads import check_upload

CAMERA = "camera"
#: The steps of the photo widget: no photo yet, a preview waiting for a decision, a chosen photo.
EMPTY, PREVIEW, CHOSEN = "empty", "preview", "chosen"


def has_camera() -> bool:
    """The station has a kiosk camera (whatever its state): the kiosk then offers it, not a file."""
    return device_status(CAMERA).present


def _limit() -> int:
    return int(plugin_settings()["max_photo_kb"]) * 1024


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise UserInputError(pick("Ảnh không hợp lệ, vui lòng chụp lại.", "The photo is not valid; please take it again.")) from None


def checked_photo(text: str) -> tuple[bytes, str]:
    """The photo bytes and type of a base64 form field (JPEG only, within the size limit)."""
    content = _decode(text)
    checked = check_upload(content, filename="camera.jpg", allowed=("jpeg",), max_bytes=_limit())
    return content, checked.mime_type


def photo_step(form: Any) -> dict[str, Any]:
    """The widget's next state for a press on one of its buttons (``camera`` = take / use / drop).

    Returns ``{"state", "data" (base64 or ""), "error" (message or None)}``; a camera problem is
    a message next to the button (the report can still be sent without a photo), never an error page.
    """
    action = form.get("camera", "")
    if action == "take":
        try:
            reading = measure(CAMERA)
        except DeviceUnavailable as exc:
            return {"state": EMPTY, "data": "", "error": str(exc)}
        content = reading.values["content"]
        check_upload(content, filename="camera.jpg", allowed=("jpeg",), max_bytes=_limit())
        return {"state": PREVIEW, "data": base64.b64encode(content).decode("ascii"), "error": None}
    if action == "use":
        text = form.get("photo_preview", "")
        checked_photo(text)
        return {"state": CHOSEN, "data": text, "error": None}
    return {"state": EMPTY, "data": "", "error": None}  # "drop" or anything else: no photo


def kept_values(form: Any) -> dict[str, str]:
    """What the citizen typed, kept across the photo steps (never validated here)."""
    return {name: (form.get(name) or "")[:limit] for name, limit in
            (("category", 40), ("description", 2000), ("occurred", 40), ("place", 200))}
