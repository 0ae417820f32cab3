"""The guided screening: its steps, instructions, fault messages, and reading → values.

Pure data and functions; the views do the I/O (devices, database).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .vitals import body_mass_index


def _t(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


@dataclass(frozen=True)
class Step:
    """One device of the screening: which channels it gives and how to use it."""

    kind: str
    title: dict[str, str]
    instructions: tuple[dict[str, str], ...]
    channels: Mapping[str, str]          # HAL channel -> screening value key
    seconds: int = 20                    # about how long the device measures (the progress bar)


STEPS: tuple[Step, ...] = (
    Step("blood_pressure", _t("Huyết áp", "Blood pressure"), (
        _t("Ngồi thẳng lưng, hai chân chạm sàn, nghỉ 5 phút trước khi đo.",
           "Sit upright with both feet on the floor and rest for 5 minutes first."),
        _t("Quấn vòng bít vào bắp tay trái, mép dưới cách khuỷu tay 2 cm, ngang tim.",
           "Wrap the cuff on your left upper arm, 2 cm above the elbow, level with your heart."),
        _t("Giữ yên, không nói chuyện trong khi máy đo.", "Keep still and do not talk while it measures.")),
        {"systolic": "systolic", "diastolic": "diastolic", "pulse": "bp_pulse"}, seconds=45),
    Step("pulse_oximeter", _t("Oxy trong máu và mạch", "Oxygen and pulse"), (
        _t("Đặt ngón trỏ vào kẹp đo, móng tay hướng lên.", "Put your index finger in the clip, nail up."),
        _t("Để tay yên trên bàn cho đến khi có kết quả.", "Rest your hand on the desk until the result shows.")),
        {"spo2": "spo2", "pulse": "pulse"}, seconds=15),
    Step("thermometer", _t("Nhiệt độ", "Temperature"), (
        _t("Đưa trán lại gần nhiệt kế, cách khoảng 3–5 cm.", "Bring your forehead 3–5 cm from the thermometer."),
        _t("Vén tóc khỏi trán nếu cần.", "Move hair away from your forehead if needed.")),
        {"body_temperature": "temperature"}, seconds=5),
    Step("scale", _t("Cân nặng", "Weight"), (
        _t("Bỏ giày dép và vật nặng trong túi.", "Take off your shoes and empty heavy pockets."),
        _t("Đứng giữa bàn cân, đứng yên.", "Stand still in the middle of the scale.")),
        {"weight": "weight"}, seconds=8),
    Step("height_rod", _t("Chiều cao", "Height"), (
        _t("Đứng thẳng dưới thước đo, gót chân sát nhau, mắt nhìn thẳng.",
           "Stand straight under the rod, heels together, looking ahead."),),
        {"height": "height"}, seconds=8),
)
STEP_KINDS = tuple(step.kind for step in STEPS)

#: What to tell the citizen for each device problem (``DeviceUnavailable.code``).
FAULT_MESSAGES: dict[str, dict[str, str]] = {
    "finger_out": _t("Máy không thấy ngón tay. Hãy đặt ngón tay sâu vào kẹp rồi thử lại.",
                     "The device cannot find your finger. Push your finger fully into the clip and try again."),
    "probe_error": _t("Đầu đo gặp lỗi. Hãy thử lại hoặc bỏ qua bước này.",
                      "The probe has a problem. Try again or skip this step."),
    "cuff_error": _t("Vòng bít chưa đúng hoặc bị hở. Hãy quấn lại vòng bít cho vừa và thử lại.",
                     "The cuff is loose or misplaced. Wrap it again snugly and try again."),
    "body_movement": _t("Máy phát hiện cử động. Hãy ngồi yên và thử lại.", "Movement was detected. Keep still and try again."),
    "unstable": _t("Kết quả chưa ổn định. Hãy giữ yên và thử lại.", "The reading was unstable. Keep still and try again."),
    "overload": _t("Vượt quá tải trọng của cân.", "This is over the scale's limit."),
    "no_load": _t("Chưa có ai đứng trên cân. Hãy đứng lên cân rồi thử lại.", "Nobody is on the scale. Step on and try again."),
    "no_target": _t("Thước đo không thấy đầu bạn. Hãy đứng thẳng ngay dưới thước rồi thử lại.",
                    "The rod cannot see your head. Stand straight right under it and try again."),
    "out_of_range": _t("Nhiệt độ ngoài khoảng đo được. Hãy đưa trán lại gần hơn rồi thử lại.",
                       "The temperature is out of range. Move closer and try again."),
    "missing": _t("Trạm này chưa có thiết bị này. Bạn có thể bỏ qua bước này.",
                  "This station does not have this device. You can skip this step."),
    "busy": _t("Thiết bị đang bận. Vui lòng chờ một chút rồi thử lại.", "The device is busy. Please wait and try again."),
    "not_ready": _t("Thiết bị chưa sẵn sàng hoặc không trả lời. Hãy thử lại hoặc bỏ qua bước này.",
                    "The device is not ready or not answering. Try again or skip this step."),
}
DEFAULT_FAULT = _t("Thiết bị báo lỗi. Hãy thử lại hoặc bỏ qua bước này.",
                   "The device reported a problem. Try again or skip this step.")


def step_for(kind: str) -> Step:
    """The step measuring with ``kind`` (``KeyError`` for an unknown kind)."""
    return next(step for step in STEPS if step.kind == kind)


def fault_message(code: str) -> dict[str, str]:
    """The plain instruction for a device problem code."""
    return FAULT_MESSAGES.get(code, DEFAULT_FAULT)


def values_from_reading(step: Step, reading_values: Mapping[str, Any]) -> dict[str, float]:
    """The screening values a reading gives (channels the step does not use are ignored)."""
    out = {}
    for channel, key in step.channels.items():
        value = reading_values.get(channel)
        if value is not None:
            out[key] = round(float(value), 1)
    return out


def with_bmi(values: Mapping[str, float]) -> dict[str, float]:
    """``values`` plus ``bmi`` when weight and height are both there."""
    out = dict(values)
    if "weight" in out and "height" in out:
        out["bmi"] = body_mass_index(out["weight"], out["height"])
    return out


def next_step(done: Mapping[str, str]) -> str | None:
    """The first step not yet measured or skipped, or None when all are."""
    return next((kind for kind in STEP_KINDS if kind not in done), None)


def empty_vitals() -> dict[str, Any]:
    """The starting content of a screening's encrypted ``vitals``."""
    return {"values": {}, "devices": {}, "steps": {}}


#: What each result means, in plain words, shown under the value.
MEANING: dict[str, dict[str, str]] = {
    "blood_pressure": _t("Sức ép của máu lên thành mạch: số trên khi tim co bóp, số dưới khi tim nghỉ.",
                         "How hard your blood pushes on the vessels: the top number while the heart beats, "
                         "the bottom one while it rests."),
    "spo2": _t("Lượng oxy máu của bạn đang mang đi khắp cơ thể.", "How much oxygen your blood is carrying."),
    "pulse": _t("Số lần tim đập trong một phút.", "How many times your heart beats in a minute."),
    "temperature": _t("Nhiệt độ cơ thể, đo ở trán.", "Your body temperature, measured at the forehead."),
    "bmi": _t("Cân nặng so với chiều cao, cho biết bạn gầy, cân đối hay thừa cân.",
              "Your weight for your height: underweight, healthy or overweight."),
}
