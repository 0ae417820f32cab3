"""Reference ranges and plain advice for screening values — pure functions, no I/O.

Screening, not diagnosis: every result is a category with a plain suggestion ("see a doctor
within a week"), never a disease name.

Sources:

* Blood pressure — 2018 ESC/ESH Guidelines for the management of arterial hypertension
  (Williams et al., Eur Heart J 2018;39:3021), office BP categories, which the Vietnam
  National Heart Association / Vietnamese Society of Hypertension 2022 recommendations also
  use: optimal < 120/80, normal 120–129/80–84, high-normal 130–139/85–89, grade 1 140–159/
  90–99, grade 2 160–179/100–109, grade 3 ≥ 180/≥ 110 (the higher category of the two
  numbers wins). Systolic ≥ 180 (or diastolic ≥ 120) at a kiosk → urgent care message.
* SpO2 — < 95 % flagged, < 90 % urgent (WHO pulse oximetry training manual, 2011).
* Body temperature — ≥ 37.5 °C fever, ≥ 38.5 °C high, ≥ 40 °C or < 35 °C urgent.
* BMI — WHO Western Pacific Region 2000 (Asia-Pacific) cut-offs: < 18.5 underweight,
  18.5–22.9 normal, 23–24.9 overweight (at risk), ≥ 25 obese (I), ≥ 30 obese (II).
* Pulse at rest — 50–100 /min; < 40 or > 150 urgent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMERGENCY_NUMBER = "115"
BP_GUIDELINE = {"vi": "Khuyến cáo ESC/ESH 2018 (Hội Tim mạch Việt Nam 2022 dùng cùng phân loại)",
                "en": "2018 ESC/ESH guidelines (same categories as the Vietnam National Heart Association 2022)"}


@dataclass(frozen=True)
class Assessment:
    """One measured quantity judged against its reference range."""

    quantity: str            # "blood_pressure", "spo2", "pulse", "temperature", "bmi"
    category: str            # machine label, e.g. "grade_1", "low", "normal", "fever"
    label: dict[str, str]    # the category in plain words
    advice: dict[str, str]
    reference: dict[str, str]
    tone: str = "ok"         # ok | warn | urgent
    urgent: bool = False


@dataclass(frozen=True)
class Summary:
    """All assessments of one screening and whether any is urgent."""

    assessments: list[Assessment] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return any(a.urgent for a in self.assessments)


def _t(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


_BP_CATEGORIES = [  # (category, systolic from, diastolic from, label, tone, advice)
    ("grade_3", 180, 110, _t("Huyết áp rất cao (độ 3)", "Very high blood pressure (grade 3)"), "urgent",
     _t("Hãy đến cơ sở y tế ngay hôm nay.", "Please get medical care today.")),
    ("grade_2", 160, 100, _t("Huyết áp cao (độ 2)", "High blood pressure (grade 2)"), "warn",
     _t("Nên gặp bác sĩ trong vài ngày tới.", "Please see a doctor within the next few days.")),
    ("grade_1", 140, 90, _t("Huyết áp cao (độ 1)", "High blood pressure (grade 1)"), "warn",
     _t("Nên đo lại vào ngày khác và gặp bác sĩ nếu vẫn cao.",
        "Measure again on another day and see a doctor if it stays high.")),
    ("high_normal", 130, 85, _t("Huyết áp bình thường cao", "High-normal blood pressure"), "warn",
     _t("Giảm muối, vận động đều và đo lại định kỳ.", "Eat less salt, stay active and check it regularly.")),
    ("normal", 120, 80, _t("Huyết áp bình thường", "Normal blood pressure"), "ok",
     _t("Tiếp tục duy trì lối sống lành mạnh.", "Keep up a healthy lifestyle.")),
    ("optimal", 0, 0, _t("Huyết áp tối ưu", "Optimal blood pressure"), "ok",
     _t("Tiếp tục duy trì lối sống lành mạnh.", "Keep up a healthy lifestyle.")),
]


def assess_blood_pressure(systolic: float, diastolic: float) -> Assessment:
    """ESC/ESH 2018 office category; the higher of the two numbers decides."""
    reference = _t("Tối ưu < 120/80 mmHg; tăng huyết áp từ 140/90 mmHg",
                   "Optimal below 120/80 mmHg; hypertension from 140/90 mmHg")
    if systolic < 90 or diastolic < 60:
        return Assessment("blood_pressure", "low", _t("Huyết áp thấp", "Low blood pressure"),
                          _t("Nếu thấy chóng mặt hay mệt lả, hãy gặp bác sĩ.",
                             "If you feel dizzy or faint, please see a doctor."), reference, "warn")
    for category, sys_from, dia_from, label, tone, advice in _BP_CATEGORIES:
        if systolic >= sys_from or diastolic >= dia_from:
            urgent = systolic >= 180 or diastolic >= 120
            return Assessment("blood_pressure", category, label, advice, reference,
                              "urgent" if urgent else tone, urgent)
    raise AssertionError("unreachable: the last category starts at 0")


def assess_spo2(spo2: float) -> Assessment:
    """SpO2: ≥ 95 % normal, < 95 % flagged, < 90 % urgent."""
    reference = _t("Bình thường từ 95 % trở lên", "Normal: 95 % or more")
    if spo2 < 90:
        return Assessment("spo2", "very_low", _t("Độ bão hoà oxy rất thấp", "Very low oxygen saturation"),
                          _t("Cần được chăm sóc y tế ngay.", "You need medical care now."), reference, "urgent", True)
    if spo2 < 95:
        return Assessment("spo2", "low", _t("Độ bão hoà oxy thấp", "Low oxygen saturation"),
                          _t("Nghỉ ngơi rồi đo lại; nếu vẫn thấp hoặc khó thở, hãy gặp bác sĩ.",
                             "Rest and measure again; if it stays low or you are short of breath, see a doctor."),
                          reference, "warn")
    return Assessment("spo2", "normal", _t("Độ bão hoà oxy bình thường", "Normal oxygen saturation"),
                      _t("Không có gì bất thường.", "Nothing unusual."), reference)


def assess_pulse(pulse: float) -> Assessment:
    """Resting pulse: 50–100 /min usual; < 40 or > 150 urgent."""
    reference = _t("Lúc nghỉ: 50–100 lần/phút", "At rest: 50–100 per minute")
    if pulse < 40 or pulse > 150:
        return Assessment("pulse", "very_abnormal", _t("Mạch rất bất thường", "Very unusual pulse"),
                          _t("Cần được chăm sóc y tế ngay.", "You need medical care now."), reference, "urgent", True)
    if pulse < 50:
        return Assessment("pulse", "slow", _t("Mạch chậm", "Slow pulse"),
                          _t("Thường gặp ở người tập luyện; nếu thấy mệt, chóng mặt hãy gặp bác sĩ.",
                             "Common in athletes; if you feel tired or dizzy, see a doctor."), reference, "warn")
    if pulse > 100:
        return Assessment("pulse", "fast", _t("Mạch nhanh", "Fast pulse"),
                          _t("Ngồi nghỉ 5 phút rồi đo lại; nếu vẫn nhanh hãy gặp bác sĩ.",
                             "Sit for 5 minutes and measure again; if it stays fast, see a doctor."), reference, "warn")
    return Assessment("pulse", "normal", _t("Mạch bình thường", "Normal pulse"),
                      _t("Không có gì bất thường.", "Nothing unusual."), reference)


def assess_temperature(celsius: float) -> Assessment:
    """Body temperature: fever from 37.5 °C, high fever from 38.5 °C; ≥ 40 or < 35 urgent."""
    reference = _t("Bình thường 36,0–37,4 °C", "Normal 36.0–37.4 °C")
    if celsius >= 40.0 or celsius < 35.0:
        label = _t("Sốt rất cao", "Very high fever") if celsius >= 40 else _t("Thân nhiệt quá thấp", "Body too cold")
        return Assessment("temperature", "extreme", label, _t("Cần được chăm sóc y tế ngay.", "You need medical care now."),
                          reference, "urgent", True)
    if celsius >= 38.5:
        return Assessment("temperature", "high_fever", _t("Sốt cao", "High fever"),
                          _t("Uống nhiều nước, nghỉ ngơi và gặp bác sĩ hôm nay.",
                             "Drink plenty, rest and see a doctor today."), reference, "warn")
    if celsius >= 37.5:
        return Assessment("temperature", "fever", _t("Sốt nhẹ", "Mild fever"),
                          _t("Nghỉ ngơi, uống nhiều nước; gặp bác sĩ nếu sốt kéo dài trên 2 ngày.",
                             "Rest and drink plenty; see a doctor if it lasts more than 2 days."), reference, "warn")
    if celsius < 36.0:
        return Assessment("temperature", "low", _t("Thân nhiệt hơi thấp", "Slightly low temperature"),
                          _t("Giữ ấm rồi đo lại.", "Keep warm and measure again."), reference, "warn")
    return Assessment("temperature", "normal", _t("Thân nhiệt bình thường", "Normal temperature"),
                      _t("Không có gì bất thường.", "Nothing unusual."), reference)


def body_mass_index(weight_kg: float, height_cm: float) -> float:
    """BMI in kg/m², rounded to one decimal."""
    if height_cm <= 0 or weight_kg <= 0:
        raise ValueError("weight and height must be positive")
    metres = height_cm / 100.0
    return round(weight_kg / (metres * metres), 1)


def assess_bmi(bmi: float) -> Assessment:
    """WHO Asia-Pacific cut-offs: < 18.5, 18.5–22.9, 23–24.9 overweight, ≥ 25 obese."""
    reference = _t("Người châu Á: bình thường 18,5–22,9", "Asian adults: normal 18.5–22.9")
    if bmi < 18.5:
        return Assessment("bmi", "underweight", _t("Thiếu cân", "Underweight"),
                          _t("Ăn đủ bữa, đủ chất; hỏi bác sĩ nếu sụt cân không rõ lý do.",
                             "Eat regular balanced meals; ask a doctor about unexplained weight loss."), reference, "warn")
    if bmi < 23:
        return Assessment("bmi", "normal", _t("Cân nặng bình thường", "Normal weight"),
                          _t("Tiếp tục duy trì.", "Keep it up."), reference)
    if bmi < 25:
        return Assessment("bmi", "overweight", _t("Thừa cân", "Overweight"),
                          _t("Vận động 30 phút mỗi ngày, bớt đồ ngọt và chất béo.",
                             "Be active 30 minutes a day, cut down on sweets and fat."), reference, "warn")
    category, label = ("obese_2", _t("Béo phì độ II", "Obese (class II)")) if bmi >= 30 else \
        ("obese_1", _t("Béo phì độ I", "Obese (class I)"))
    return Assessment("bmi", category, label,
                      _t("Nên gặp bác sĩ hoặc chuyên gia dinh dưỡng để có kế hoạch giảm cân.",
                         "See a doctor or dietitian for a weight plan."), reference, "warn")


def summarize(values: dict[str, float]) -> Summary:
    """Assess whatever was measured (missing values are skipped).

    ``values`` keys: systolic, diastolic, pulse, spo2, temperature, weight, height, bmi.
    """
    out: list[Assessment] = []
    if "systolic" in values and "diastolic" in values:
        out.append(assess_blood_pressure(values["systolic"], values["diastolic"]))
    if "spo2" in values:
        out.append(assess_spo2(values["spo2"]))
    if "pulse" in values:
        out.append(assess_pulse(values["pulse"]))
    if "temperature" in values:
        out.append(assess_temperature(values["temperature"]))
    if "bmi" in values:
        out.append(assess_bmi(values["bmi"]))
    return Summary(out)
