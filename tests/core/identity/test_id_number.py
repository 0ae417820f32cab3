"""The 12-digit personal ID number: parsing, province codes, century/sex/year consistency."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import UserInputError
from core.identity.id_number import (
    IdNumberError,
    IdNumberMismatch,
    Sex,
    check_consistent,
    compose_id_number,
    parse_id_number,
    parse_sex,
)
from core.identity.provinces import PROVINCE_SINCE_2025, PROVINCES, province_name
from hal.sim.citizens import TEST_CITIZENS


def test_the_official_list_has_63_province_codes_from_ha_noi_to_ca_mau():
    assert len(PROVINCES) == 63
    assert province_name("001") == "Hà Nội"
    assert province_name("079") == "TP Hồ Chí Minh"
    assert province_name("096") == "Cà Mau"
    assert province_name("003") is None
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCES)


def test_every_old_province_code_belongs_to_one_of_the_34_provinces_since_2025():
    assert set(PROVINCE_SINCE_2025) == set(PROVINCES)
    assert len(set(PROVINCE_SINCE_2025.values())) == 34
    assert PROVINCE_SINCE_2025["002"] == "Tuyên Quang"  # Hà Giang
    assert PROVINCE_SINCE_2025["077"] == "TP Hồ Chí Minh"  # Bà Rịa - Vũng Tàu


def test_a_valid_number_tells_province_sex_and_birth_year():
    parsed = parse_id_number("079192999002")
    assert parsed.province_code == "079"
    assert parsed.province_name == "TP Hồ Chí Minh"
    assert parsed.sex is Sex.FEMALE
    assert parsed.birth_year == 1992
    assert parsed.century == 1900


def test_an_old_province_code_stays_valid_after_the_2025_merger():
    parsed = parse_id_number("002085999001")
    assert parsed.province_name == "Hà Giang"
    assert parsed.current_province_name == "Tuyên Quang"


@pytest.mark.parametrize(
    ("digit", "century", "sex"),
    [(0, 1900, Sex.MALE), (1, 1900, Sex.FEMALE), (2, 2000, Sex.MALE), (3, 2000, Sex.FEMALE),
     (4, 2100, Sex.MALE), (5, 2100, Sex.FEMALE), (6, 2200, Sex.MALE), (7, 2200, Sex.FEMALE),
     (8, 2300, Sex.MALE), (9, 2300, Sex.FEMALE)],
)
def test_the_fourth_digit_encodes_century_and_sex(digit, century, sex):
    parsed = parse_id_number(f"001{digit}45123456")
    assert parsed.century == century
    assert parsed.birth_year == century + 45
    assert parsed.sex is sex


def test_spaces_typed_between_groups_are_ignored():
    assert parse_id_number(" 001 0 85 999001 ").digits == "001085999001"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "id_number_empty", "empty"),
        ("   ", "id_number_empty", "empty"),
        ("00108599900", "id_number_length", "11 digits"),
        ("0010859990012", "id_number_length", "13 digits"),
        ("00108599900A", "id_number_not_digits", "only digits"),
        ("001-085-999001", "id_number_not_digits", "only digits"),
        ("００１０８５９９９００１", "id_number_not_digits", "only digits"),  # full-width digits
        ("003085999001", "id_number_province", "province code"),
        ("097085999001", "id_number_province", "province code"),
        ("000085999001", "id_number_province", "province code"),
    ],
)
def test_a_bad_number_is_refused_with_the_problem_named_and_no_digits_echoed(text, code, words):
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(text)
    assert caught.value.code == code
    assert words in str(caught.value)
    assert caught.value.vi
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 6:
        assert digits not in str(caught.value) and digits[:6] not in str(caught.value)


def test_id_number_errors_are_user_input_errors():
    assert issubclass(IdNumberError, UserInputError)
    assert issubclass(IdNumberMismatch, IdNumberError)


def test_repr_of_a_parsed_number_reveals_nothing_personal():
    parsed = parse_id_number("079192999002")
    assert "079192999002" not in repr(parsed)
    assert "1992" not in repr(parsed)
    assert parsed.masked.endswith("002") and "079192" not in parsed.masked


def test_every_seeded_test_citizen_number_is_valid_and_consistent():
    for citizen in TEST_CITIZENS:
        sex = Sex.FEMALE if citizen.female else Sex.MALE
        check_consistent(citizen.personal_id, citizen.birth_date, sex)


def test_consistency_accepts_matching_date_and_sex_in_any_spelling():
    for sex in (Sex.MALE, "M", "Nam", "male"):
        check_consistent("001085999001", date(1985, 3, 14), sex)
    for sex in (Sex.FEMALE, "F", "Nữ", "NỮ", "female"):
        check_consistent("079192999002", date(1992, 11, 2), sex)


def test_a_number_of_a_man_does_not_fit_a_woman():
    with pytest.raises(IdNumberMismatch, match="sex digit"):
        check_consistent("001085999001", date(1985, 3, 14), Sex.FEMALE)


def test_a_number_of_the_1900s_does_not_fit_a_birth_in_the_2000s():
    with pytest.raises(IdNumberMismatch, match="century digit"):
        check_consistent("001085999001", date(2085, 3, 14), Sex.MALE)


def test_a_number_with_other_year_digits_does_not_fit_the_date_of_birth():
    with pytest.raises(IdNumberMismatch, match="birth-year digits") as caught:
        check_consistent("001085999001", date(1986, 3, 14), Sex.MALE)
    assert "1986" not in str(caught.value) and "85" not in str(caught.value)


def test_consistency_without_a_stated_sex_checks_the_year_only():
    check_consistent("001085999001", date(1985, 1, 1), None)
    check_consistent("001085999001", 1985)
    with pytest.raises(IdNumberMismatch):
        check_consistent("001085999001", 1984)


def test_an_unrecognised_sex_word_is_a_clear_error():
    with pytest.raises(IdNumberError, match="sex is not recognised"):
        parse_sex("X")


def test_compose_refuses_impossible_parts():
    with pytest.raises(ValueError):
        compose_id_number("003", 1990, Sex.MALE, 1)
    with pytest.raises(ValueError):
        compose_id_number("001", 1899, Sex.MALE, 1)
    with pytest.raises(ValueError):
        compose_id_number("001", 1990, Sex.MALE, 1_000_000)


@settings(max_examples=200, deadline=None)
@given(
    province=st.sampled_from(sorted(PROVINCES)),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2399, 12, 31)),
    sex=st.sampled_from(list(Sex)),
    serial=st.integers(0, 999_999),
)
def test_composed_numbers_parse_back_and_match_only_their_own_sex(province, birth, sex, serial):
    text = compose_id_number(province, birth.year, sex, serial)
    parsed = check_consistent(text, birth, sex)
    assert (parsed.province_code, parsed.birth_year, parsed.sex) == (province, birth.year, sex)
    other = Sex.FEMALE if sex is Sex.MALE else Sex.MALE
    with pytest.raises(IdNumberMismatch):
        check_consistent(text, birth, other)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_text_either_parses_or_raises_id_number_error(text):
    try:
        parsed = parse_id_number(text)
    except IdNumberError:
        return
    assert len(parsed.digits) == 12
