"""Checking uploaded files by their content: photos (JPEG, PNG) and PDF documents.

    from sdk.uploads import check_upload, UploadRejected

    checked = check_upload(data, filename="giay-to.pdf", allowed=("jpeg", "png", "pdf"),
                           max_bytes=5 * 1024 * 1024)
    checked.mime_type, checked.kind, checked.size

The type is decided by the bytes (signature and structure), never by the file name or the
browser's Content-Type; a name whose extension names another type is refused too (a PDF
called ``photo.jpg`` is a mistake or a trick). Pure functions: no I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import UserInputError
from core.i18n import pick

#: Accepted kinds and their MIME types.
KINDS = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
#: File name extensions and the kind each one names.
EXTENSIONS = {"jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "png": "png", "pdf": "pdf"}
_NAMES = {"jpeg": "JPEG", "png": "PNG", "pdf": "PDF"}


class UploadRejected(UserInputError):
    """The file is not an allowed, undamaged photo or document, or it is too large."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CheckedUpload:
    """What the content check found: ``kind`` (jpeg, png, pdf), ``mime_type``, ``size``."""

    kind: str
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None


def sniff_kind(data: bytes) -> str | None:
    """``jpeg``, ``png`` or ``pdf`` when ``data`` is a whole, well-formed file of that type."""
    if data[:3] == b"\xff\xd8\xff" and _jpeg_size(data) is not None and b"\xff\xd9" in data[-16:]:
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and b"IEND" in data[-12:]:
        return "png"
    if data[:5] == b"%PDF-" and data[5:6] in (b"1", b"2") and b"%%EOF" in data[-1024:]:
        return "pdf"
    return None


def check_upload(data: bytes, *, filename: str = "", allowed: Iterable[str] = ("jpeg", "png", "pdf"),
                 max_bytes: int = 5 * 1024 * 1024) -> CheckedUpload:
    """Accept ``data`` if its content is one of ``allowed`` and at most ``max_bytes``.

    Raises :class:`UploadRejected` (HTTP 400, message in the citizen's language) with
    ``code`` ``empty``, ``too_large``, ``unknown_type``, ``not_allowed`` or ``name_mismatch``.
    """
    allowed = tuple(allowed)
    names = "/".join(_NAMES[k] for k in allowed)
    if not data:
        raise UploadRejected(pick("Tệp trống.", "The file is empty."), "empty")
    if len(data) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):.1f} MB"
        raise UploadRejected(pick(f"Tệp quá lớn (tối đa {limit}).", f"The file is too large (at most {limit})."),
                             "too_large")
    kind = sniff_kind(data)
    if kind is None:
        raise UploadRejected(pick(f"Tệp không phải ảnh hoặc tài liệu {names} hợp lệ (hoặc đã bị hỏng).",
                                  f"The file is not a valid {names} photo or document (or it is damaged)."),
                             "unknown_type")
    if kind not in allowed:
        raise UploadRejected(pick(f"Chỉ nhận tệp {names}.", f"Only {names} files are accepted."), "not_allowed")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension and EXTENSIONS.get(extension) != kind:
        raise UploadRejected(pick(f"Tên tệp (.{extension}) không khớp nội dung ({_NAMES[kind]}).",
                                  f"The file name (.{extension}) does not match its content ({_NAMES[kind]})."),
                             "name_mismatch")
    width, height = (_jpeg_size(data) if kind == "jpeg" else _png_size(data) if kind == "png" else None) or (None, None)
    return CheckedUpload(kind, KINDS[kind], len(data), width, height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first SOFn segment, None if the marker structure is broken."""
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        (length,) = struct.unpack_from(">H", data, index + 2)
        if length < 2:
            return None
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if index + 9 > len(data):
                return None
            height, width = struct.unpack_from(">HH", data, index + 5)
            return (width, height) if width and height else None
        if marker == 0xDA:
            return None  # scan before any frame header
        index += 2 + length
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24:
        return None
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


__all__ = ["EXTENSIONS", "KINDS", "CheckedUpload", "UploadRejected", "check_upload", "sniff_kind"]
