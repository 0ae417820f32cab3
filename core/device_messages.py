"""What to tell a citizen about a device problem, in Vietnamese and English.

One table for the whole station: the device-use path (:func:`core.devices.StationDevices.use`)
builds every :class:`core.devices.DeviceUnavailable` message from it, so an out-of-paper
printer or an unplugged card reader reads the same on every page and in both languages.
The codes are documented in ``docs/hal.md`` ("Device problems a plugin sees").
"""

from __future__ import annotations

#: Kind → (Vietnamese, English) name of the device, as a citizen would say it.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "pulse_oximeter": ("máy đo nồng độ oxy (SpO2)", "pulse oximeter"),
    "blood_pressure": ("máy đo huyết áp", "blood pressure monitor"),
    "thermometer": ("nhiệt kế", "thermometer"),
    "scale": ("cân", "scale"),
    "height_rod": ("thước đo chiều cao", "height rod"),
    "card_reader": ("đầu đọc thẻ căn cước", "card reader"),
    "qr_scanner": ("máy quét mã QR", "QR scanner"),
    "receipt_printer": ("máy in biên nhận", "receipt printer"),
    "payment_terminal": ("máy thanh toán thẻ", "card payment terminal"),
    "face_verifier": ("thiết bị xác thực khuôn mặt", "face verification device"),
    "document_scanner": ("máy quét tài liệu", "document scanner"),
    "geiger_counter": ("máy đo phóng xạ", "radiation monitor"),
    "air_quality": ("cảm biến bụi mịn", "air-quality sensor"),
    "camera": ("camera của trạm", "station camera"),
}

#: Device reason code → (Vietnamese, English) instruction. Codes come from the HAL drivers
#: (``hal.errors.DeviceFault.code``) plus the path's own ``unplugged`` and ``no_answer``.
REASONS: dict[str, tuple[str, str]] = {
    "unplugged": ("Thiết bị không được kết nối. Vui lòng báo nhân viên trạm.",
                  "The device is not connected. Please tell the station staff."),
    "no_answer": ("Thiết bị không trả lời. Vui lòng thử lại.",
                  "The device did not answer. Please try again."),
    "paper_out": ("Máy in hết giấy. Vui lòng báo nhân viên trạm.",
                  "The printer is out of paper. Please tell the station staff."),
    "paper_jam": ("Giấy bị kẹt trong máy. Vui lòng báo nhân viên trạm.",
                  "Paper is jammed in the device. Please tell the station staff."),
    "offline": ("Máy in đang tạm dừng (nắp mở?). Vui lòng báo nhân viên trạm.",
                "The printer is offline (cover open?). Please tell the station staff."),
    "finger_out": ("Máy không thấy ngón tay. Hãy đặt ngón tay sâu vào kẹp rồi thử lại.",
                   "The device cannot find your finger. Push your finger fully into the clip and try again."),
    "probe_error": ("Đầu đo gặp lỗi. Vui lòng thử lại hoặc báo nhân viên trạm.",
                    "The probe has a problem. Try again or tell the station staff."),
    "cuff_error": ("Vòng bít chưa đúng hoặc bị hở. Hãy quấn lại vòng bít cho vừa và thử lại.",
                   "The cuff is loose or misplaced. Wrap it again snugly and try again."),
    "body_movement": ("Máy phát hiện cử động. Hãy ngồi yên và thử lại.",
                      "Movement was detected. Keep still and try again."),
    "unstable": ("Kết quả chưa ổn định. Hãy giữ yên và thử lại.",
                 "The reading was unstable. Keep still and try again."),
    "no_value": ("Máy không đo được. Vui lòng thử lại.", "The device could not measure. Please try again."),
    "overload": ("Vượt quá tải trọng của cân.", "This is over the scale's limit."),
    "no_load": ("Chưa có ai đứng trên cân. Hãy đứng lên cân rồi thử lại.",
                "Nobody is on the scale. Step on and try again."),
    "no_target": ("Thước đo không thấy đầu bạn. Hãy đứng thẳng ngay dưới thước rồi thử lại.",
                  "The rod cannot see your head. Stand straight right under it and try again."),
    "out_of_range": ("Kết quả ngoài khoảng đo được. Hãy thử lại.",
                     "The value is out of the measurable range. Please try again."),
    "no_card": ("Chưa có thẻ trên đầu đọc. Hãy đặt thẻ căn cước lên đầu đọc rồi thử lại.",
                "No card on the reader. Place the ID card on the reader and try again."),
    "card_removed": ("Thẻ bị dịch chuyển khi đang đọc. Hãy để yên thẻ trên đầu đọc và thử lại.",
                     "The card was moved during reading. Leave it on the reader and try again."),
    "not_an_id_card": ("Đây không phải thẻ căn cước gắn chip.", "This is not a chip ID card."),
    "no_document": ("Chưa có giấy tờ trên máy quét. Hãy đặt giấy tờ lên máy rồi thử lại.",
                    "Nothing is on the scanner. Place the document on it and try again."),
    "nothing_scanned": ("Chưa quét được gì. Hãy đưa mã QR lại gần máy quét và thử lại.",
                        "Nothing was scanned. Hold the QR code closer and try again."),
    "saturated": ("Máy đo phóng xạ bị bão hoà: mức phóng xạ vượt quá khả năng đo. Hãy coi là rất cao, tránh xa khu vực "
                  "và báo nhân viên trạm.",
                  "The radiation monitor is saturated: radiation is beyond what it can measure. Treat it as very "
                  "high, keep away and tell the station staff."),
    "no_airflow": ("Cảm biến bụi mịn không hút được không khí (quạt có thể đã dừng). Vui lòng báo nhân viên trạm.",
                   "The air-quality sensor draws no air (its fan may have stopped). Please tell the station staff."),
    "sensor_error": ("Cảm biến báo lỗi. Vui lòng báo nhân viên trạm.",
                     "The sensor reports an error. Please tell the station staff."),
    "capture_failed": ("Camera chưa chụp được ảnh. Vui lòng thử lại.",
                       "The camera could not take the picture. Please try again."),
    "no_image": ("Camera không trả về ảnh. Vui lòng thử lại.", "The camera returned no picture. Please try again."),
    "no_face": ("Không thấy khuôn mặt: hãy nhìn thẳng vào camera, bỏ kính râm hoặc khẩu trang và thử lại.",
                "No face was seen: look straight at the camera, remove sunglasses or mask and try again."),
}


def kind_name(kind: str) -> tuple[str, str]:
    """(Vietnamese, English) name of a device kind; the kind itself for an unknown one."""
    return KIND_NAMES.get(kind, (kind.replace("_", " "), kind.replace("_", " ")))


def absent_text(kind: str) -> tuple[str, str]:
    """The station has no device of ``kind`` at all (configuration, not a fault)."""
    vi, en = kind_name(kind)
    return f"Trạm này không có {vi}.", f"This station has no {en}."


def not_ready_text(kind: str, code: str, device_reason: str = "") -> tuple[str, str]:
    """The device exists but cannot work now (unplugged, out of paper, not answering...)."""
    vi, en = kind_name(kind)
    known = REASONS.get(code)
    if known:
        return f"{vi[0].upper() + vi[1:]} chưa sẵn sàng. {known[0]}", f"The {en} is not ready. {known[1]}"
    detail = f" ({device_reason})" if device_reason else ""
    return (f"{vi[0].upper() + vi[1:]} chưa sẵn sàng. Vui lòng thử lại sau hoặc báo nhân viên trạm.",
            f"The {en} is not ready{detail}. Please try again later or tell the station staff.")


def busy_text(kind: str) -> tuple[str, str]:
    """Another request is using the device."""
    vi, en = kind_name(kind)
    return (f"{vi[0].upper() + vi[1:]} đang bận. Vui lòng chờ một chút rồi thử lại.",
            f"The {en} is busy. Please wait a moment and try again.")


def failed_text(kind: str, code: str, device_reason: str = "") -> tuple[str, str]:
    """This attempt failed (finger out, garbled answer...); trying again may work."""
    vi, en = kind_name(kind)
    known = REASONS.get(code)
    if known:
        return known
    detail = f" ({device_reason})" if device_reason else ""
    return (f"{vi[0].upper() + vi[1:]} báo lỗi. Vui lòng thử lại.",
            f"The {en} reported a problem{detail}. Please try again.")
