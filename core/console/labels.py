"""Vietnamese (and English) words for what the console shows as codes: device states, device
kinds and reasons, plugin states. Templates call these through the console's context; the
live device refresh gets the same labels in its JSON."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from core.device_messages import KIND_NAMES, REASONS
from core.i18n import current_language

DEVICE_STATUS: dict[str, tuple[str, str]] = {
    "READY": ("Sẵn sàng", "Ready"), "NOT_READY": ("Chưa sẵn sàng", "Not ready"), "ERROR": ("Lỗi", "Error"),
    "CONNECTING": ("Đang kết nối", "Connecting"), "BUSY": ("Đang dùng", "Busy"),
}

PLUGIN_STATE: dict[str, tuple[str, str]] = {
    "active": ("đang chạy", "active"), "disabled": ("đang tắt", "disabled"), "failed": ("lỗi khi nạp", "failed"),
    "invalid": ("khai báo không hợp lệ", "invalid"), "incompatible": ("không tương thích", "incompatible"),
    "missing_device": ("thiếu thiết bị", "missing device"),
}

DEVICE_REASON_TEXT: dict[str, tuple[str, str]] = {
    "ok": ("bình thường", "ok"), "not opened yet": ("chưa mở", "not opened yet"),
    "not configured": ("chưa cấu hình", "not configured"),
    # what a driver's status probe notes while the device is fine
    "measuring": ("đang đo", "measuring"), "capturing": ("đang chụp", "capturing"),
    "no card": ("chưa có thẻ", "no card"), "card present": ("có thẻ trong đầu đọc", "card present"),
    "no document": ("chưa có giấy tờ", "no document"),
    "document ready": ("có giấy tờ trên mặt kính", "document ready"),
    "overloaded": ("quá tải", "overloaded"),
}


def _pick(pair: tuple[str, str], lang: str | None = None) -> str:
    return pair[1] if (lang or current_language()) == "en" else pair[0]


def device_status(status: str, lang: str | None = None) -> str:
    """``READY`` → "Sẵn sàng" (vi) / "Ready" (en); unknown values as they are."""
    return _pick(DEVICE_STATUS[status], lang) if status in DEVICE_STATUS else status


def device_kind(kind: str, lang: str | None = None) -> str:
    """``receipt_printer`` → "máy in biên nhận" / "receipt printer"."""
    return _pick(KIND_NAMES[kind], lang) if kind in KIND_NAMES else kind


def device_reason(reason: str, lang: str | None = None) -> str:
    """A driver's reason: a known code or phrase in words, else as reported."""
    key = (reason or "").strip()
    if key in REASONS:
        return _pick(REASONS[key], lang)
    if key.lower() in DEVICE_REASON_TEXT:
        return _pick(DEVICE_REASON_TEXT[key.lower()], lang)
    return reason


def plugin_state(state: str, lang: str | None = None) -> str:
    """``failed`` → "lỗi khi nạp" / "failed"."""
    return _pick(PLUGIN_STATE[state], lang) if state in PLUGIN_STATE else state


_PLUGIN_REASONS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"^disabled for this site$"), ("đã tắt cho trạm này", "disabled for this site")),
    (re.compile(r"^safe mode: only built-in plugins are loaded$"),
     ("chế độ an toàn: chỉ nạp các dịch vụ có sẵn", "safe mode: only built-in plugins are loaded")),
    (re.compile(r"^needs sdk (?P<want>.+); this station provides (?P<have>.+)$"),
     ("cần sdk {want}; trạm này có sdk {have}", "needs sdk {want}; this station provides {have}")),
    (re.compile(r"^invalid manifest: (?P<rest>.+)$"),
     ("tệp khai báo (manifest) không hợp lệ: {rest}", "invalid manifest: {rest}")),
    (re.compile(r"^(?P<step>[a-z_ ]+) failed: (?P<rest>.+)$"),
     ("lỗi ở bước {step}: {rest}", "{step} failed: {rest}")),
    (re.compile(r"^(?P<need>(needs|optionally wants) [a-z_]+.*)$"),
     ("thiếu thiết bị — {need}", "{need}")),
]


def plugin_reason(reason: str, lang: str | None = None, markup: bool = False) -> str:
    """Why a plugin is not running, in the console's language (technical details kept as they are).

    With ``markup`` the result is HTML: the technical details (paths, versions, a validator's
    own message) are in ``<code translate="no">`` so a page says which words are not prose.
    """
    for pattern, (vi, en) in _PLUGIN_REASONS:
        match = pattern.match(reason)
        if match:
            if not markup:
                return _pick((vi, en), lang).format(**match.groupdict())
            words = {k: Markup('<code translate="no">%s</code>') % v for k, v in match.groupdict().items()}
            return escape(_pick((vi, en), lang)).format(**words)  # escape() is Markup: its format() escapes the details
    return Markup('<code translate="no">%s</code>') % reason if markup else reason


AUDIT_OUTCOME: dict[str, tuple[str, str]] = {
    "ok": ("thành công", "ok"), "refused": ("bị từ chối", "refused"), "failed": ("thất bại", "failed"),
}


def audit_outcome(outcome: str, lang: str | None = None) -> str:
    """An audit entry's outcome in words: ``refused`` → "bị từ chối"."""
    return _pick(AUDIT_OUTCOME[outcome], lang) if outcome in AUDIT_OUTCOME else outcome


_SIMULATED = re.compile(r"\bsimulated\b", re.IGNORECASE)


def device_make(make: str, lang: str | None = None) -> str:
    """A device's make as configured, with "simulated" in the console's language
    ("Contec (simulated)" → "Contec (mô phỏng)"; "Simulated" → "Mô phỏng")."""
    if (lang or current_language()) == "en" or not make:
        return make
    replaced = _SIMULATED.sub("mô phỏng", make)
    return replaced[:1].upper() + replaced[1:] if replaced != make and make[:1].isupper() else replaced
