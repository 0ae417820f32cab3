"""Pure rules: reference ranges, prescription codes and checks, dispensing plans, the SVG chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.healthcare.prescriptions import (
    Prescription,
    PrescriptionRefused,
    RxLine,
    check_kiosk_dispensable,
    parse_code,
    plan_dispensing,
    price_lines,
)
from plugins.healthcare.screening import (
    STEPS,
    fault_message,
    next_step,
    values_from_reading,
    with_bmi,
)
from plugins.healthcare.svg import Series, line_chart
from plugins.healthcare.vitals import (
    assess_blood_pressure,
    assess_bmi,
    assess_pulse,
    assess_spo2,
    assess_temperature,
    body_mass_index,
    summarize,
)


@pytest.mark.parametrize("systolic, diastolic, category, urgent", [
    (110, 70, "optimal", False), (119, 79, "optimal", False), (120, 70, "normal", False), (125, 84, "normal", False),
    (130, 80, "high_normal", False), (118, 85, "high_normal", False), (140, 85, "grade_1", False),
    (135, 90, "grade_1", False), (160, 95, "grade_2", False), (150, 100, "grade_2", False),
    (179, 109, "grade_2", False), (180, 100, "grade_3", True), (170, 110, "grade_3", False),
    (170, 121, "grade_3", True), (85, 55, "low", False),
])
def test_blood_pressure_categories_follow_esc_esh_2018(systolic, diastolic, category, urgent):
    result = assess_blood_pressure(systolic, diastolic)
    assert (result.category, result.urgent) == (category, urgent)


@pytest.mark.parametrize("spo2, category, urgent", [(99, "normal", False), (95, "normal", False),
                                                     (94, "low", False), (90, "low", False), (89, "very_low", True)])
def test_spo2_below_95_is_flagged_and_below_90_urgent(spo2, category, urgent):
    assert (assess_spo2(spo2).category, assess_spo2(spo2).urgent) == (category, urgent)


@pytest.mark.parametrize("celsius, category", [(36.8, "normal"), (37.5, "fever"), (38.5, "high_fever"),
                                               (40.0, "extreme"), (34.9, "extreme"), (35.5, "low")])
def test_temperature_categories(celsius, category):
    assert assess_temperature(celsius).category == category


@pytest.mark.parametrize("bmi, category", [(18.4, "underweight"), (18.5, "normal"), (22.9, "normal"),
                                           (23.0, "overweight"), (24.9, "overweight"), (25.0, "obese_1"),
                                           (30.0, "obese_2")])
def test_bmi_uses_the_who_asia_pacific_cut_offs(bmi, category):
    assert assess_bmi(bmi).category == category


def test_bmi_and_pulse():
    assert body_mass_index(72.5, 172.4) == 24.4
    assert [assess_pulse(p).category for p in (45, 72, 110, 35, 160)] == ["slow", "normal", "fast", "very_abnormal",
                                                                           "very_abnormal"]
    with pytest.raises(ValueError):
        body_mass_index(70, 0)


def test_no_advice_names_a_disease():
    words = ("tăng huyết áp là bệnh", "bạn bị", "you have", "diagnos")
    for result in summarize({"systolic": 190, "diastolic": 125, "spo2": 85, "pulse": 160, "temperature": 41,
                             "bmi": 31}).assessments:
        text = (result.advice["vi"] + result.advice["en"] + result.label["en"]).lower()
        assert not any(word in text for word in words)


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@settings(max_examples=200)
@given(st.text(ALNUM, min_size=5, max_size=5), st.text(ALNUM, min_size=7, max_size=7),
       st.sampled_from("cnhy"))
def test_every_well_formed_code_parses_in_the_case_it_was_issued_in(facility, serial, kind):
    code = f"{facility}{serial}-{kind}"
    assert parse_code(code) == (code, kind)
    assert parse_code(f" {code[:-1]}{kind.upper()} ") == (code, kind)
    assert len(code) == 14


def test_a_mixed_case_code_with_letters_in_the_facility_is_kept_as_issued():
    assert parse_code("01A13pk7Hm2Q-c") == ("01A13pk7Hm2Q-c", "c")


@settings(max_examples=200)
@given(st.text(min_size=0, max_size=20))
def test_malformed_codes_raise_value_error(text):
    try:
        code, kind = parse_code(text)
    except ValueError:
        return
    assert len(code) == 14 and code[:12].isascii() and code[:12].isalnum() and code[12] == "-" and kind in "cnhy"


def _rx(kind="c", issued=100, supply=7, chronic=False, lines=None):
    lines = lines or (RxLine("A", "Alpha", {"vi": "viên", "en": "tablets"}, 30, 10, {"vi": "", "en": ""}),
                      RxLine("B", "Beta", {"vi": "viên", "en": "tablets"}, 14, 14, {"vi": "", "en": ""}))
    return Prescription("01013AB12CD3-" + kind, kind, "001085999001", issued, supply, chronic, "Dr", "Clinic",
                        tuple(lines))


@pytest.mark.parametrize("rx, today, reason", [
    (_rx("n"), 100, "controlled_type"), (_rx("h"), 100, "controlled_type"), (_rx(), 106, "collection_window_passed"),
    (_rx(supply=31), 100, "too_many_days"), (_rx(supply=91, chronic=True), 100, "too_many_days"),
    (_rx(lines=(RxLine("A", "Alpha", {"vi": "", "en": ""}, 5, 5, {"vi": "", "en": ""}),)), 100, "fully_dispensed"),
])
def test_kiosk_refusals(rx, today, reason):
    with pytest.raises(PrescriptionRefused) as refused:
        check_kiosk_dispensable(rx, today)
    assert refused.value.reason == reason


def test_kiosk_accepts_basic_traditional_and_chronic_within_the_window():
    for rx in (_rx("c"), _rx("y"), _rx(supply=90, chronic=True)):
        check_kiosk_dispensable(rx, 105)


def test_dispensing_plan_is_bounded_by_remaining_and_stock():
    rx = _rx()
    assert plan_dispensing(rx, {"A": 15, "B": 0}, {"A": 50, "B": 50}) == {"A": 15}
    for requested, stock in (({"A": 21}, {"A": 50}), ({"A": 10}, {"A": 9}), ({"B": 1}, {"B": 5}),
                             ({"A": 0}, {"A": 5}), ({"Z": 1}, {"Z": 5}), ({"A": -1}, {"A": 5})):
        with pytest.raises(ValueError):
            plan_dispensing(rx, requested, stock)
    assert price_lines({"A": 3}, {"A": 1500}) == ([("A", 3, 4500)], 4500)


def test_screening_helpers():
    bp_step = STEPS[0]
    assert values_from_reading(bp_step, {"systolic": 121.0, "diastolic": 79.0, "pulse": 70, "mean_arterial": 93}) \
        == {"systolic": 121.0, "diastolic": 79.0, "bp_pulse": 70.0}
    assert with_bmi({"weight": 60, "height": 160}) == {"weight": 60, "height": 160, "bmi": 23.4}
    assert next_step({"blood_pressure": "measured", "pulse_oximeter": "skipped"}) == "thermometer"
    assert next_step({s.kind: "measured" for s in STEPS}) is None
    assert "finger" in fault_message("finger_out")["en"] and fault_message("weird")["en"]


def test_line_chart_is_valid_svg_with_escaped_text():
    svg = line_chart([Series("Systolic <x>", "#b00", [("01/09", 120), ("02/09", 135), ("03/09", 128)]),
                      Series("Diastolic", "#00b", [("01/09", 80), ("02/09", 88), ("03/09", 84)])],
                     "Blood pressure & pulse", bands=[(90, 139, "#0f0")])
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2
    assert "&lt;x&gt;" in svg and "&amp; pulse" in svg
    assert ET.fromstring(line_chart([Series("One", "#000", [("01/09", 97)])], "Single"))
    assert ET.fromstring(line_chart([], "Empty"))
