"""CardIdentity from DG1 + DG13: fields, tolerance of absent fields, every refusal; keypad MRZ info."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.identity.card_identity import (
    CardDataInconsistent,
    CardDataUnreadable,
    CardExpired,
    CardIdentityError,
    DateInputError,
    build_card_identity,
    card_identity_from_files,
    mrz_info_from_keypad,
    parse_keypad_date,
)
from core.identity.id_number import IdNumberError, IdNumberMismatch, Sex, compose_id_number
from core.identity.provinces import PROVINCES
from hal.protocols.icao import datagroups, mrz
from hal.protocols.icao.datagroups import Dg13
from hal.sim.citizens import EXPIRED_CITIZEN_INDEX, TEST_CITIZENS

TODAY = date(2026, 1, 15)
AN = TEST_CITIZENS[0]  # Nguyễn Văn An, 1985, male, full DG13


def td1_of(citizen, **changes):
    fields = dict(
        personal_id=citizen.personal_id,
        birth_date=citizen.birth_date.strftime("%y%m%d"),
        sex="F" if citizen.female else "M",
        expiry_date=citizen.expiry_date.strftime("%y%m%d"),
        surname=citizen.surname,
        given_names=citizen.given_names,
    )
    fields.update(changes)
    return mrz.parse_td1(mrz.vn_td1(**fields))


def identity_of(citizen, today=TODAY):
    return card_identity_from_files(
        datagroups.encode_dg1(citizen.mrz_lines), datagroups.encode_dg13(citizen.dg13()), today
    )


# ----------------------------------------------------------------- the good path


def test_a_full_card_gives_every_field_with_vietnamese_spelling():
    identity = identity_of(AN)
    assert identity.id_number.digits == "001085999001"
    assert identity.id_number.province_name == "Hà Nội"
    assert identity.document_number == "085999001"
    assert identity.full_name == "Nguyễn Văn An" and not identity.name_from_mrz
    assert identity.date_of_birth == date(1985, 3, 14) and identity.birth_year == 1985
    assert identity.sex is Sex.MALE
    assert identity.nationality == "Việt Nam"
    assert identity.ethnicity == "Kinh" and identity.religion == "Không"
    assert identity.place_of_origin == AN.place_of_origin
    assert identity.residence == AN.residence
    assert identity.identifying_marks == AN.identifying_marks
    assert identity.issue_date == date(2025, 4, 2)
    assert identity.expiry_date == date(2045, 3, 14)
    assert (identity.father_name, identity.mother_name) == ("Nguyễn Văn Bình", "Trần Thị Cúc")
    assert identity.spouse_name == "Lê Thị Dung" and identity.old_id_number == "012999001"


def test_every_valid_seeded_citizen_card_builds_an_identity():
    for index, citizen in enumerate(TEST_CITIZENS):
        if index == EXPIRED_CITIZEN_INDEX:
            continue
        identity = identity_of(citizen)
        assert identity.id_number.digits == citizen.personal_id
        assert identity.full_name == citizen.full_name
        assert identity.date_of_birth == citizen.birth_date
        assert identity.sex is (Sex.FEMALE if citizen.female else Sex.MALE)


def test_absent_dg13_fields_are_none():
    minimal = TEST_CITIZENS[5]
    identity = identity_of(minimal)
    assert identity.religion is None and identity.identifying_marks is None
    assert identity.father_name is None and identity.spouse_name is None
    assert identity.old_id_number is None


def test_a_dg13_with_only_the_id_still_works_from_the_mrz():
    identity = build_card_identity(td1_of(AN), Dg13(personal_id=AN.personal_id), TODAY)
    assert identity.full_name == "NGUYEN VAN AN" and identity.name_from_mrz
    assert identity.date_of_birth == date(1985, 3, 14)
    assert identity.expiry_date == date(2045, 3, 14)
    assert identity.nationality == "VNM"


def test_without_dg13_the_mrz_birth_century_comes_from_the_id_number():
    born_2003 = TEST_CITIZENS[2]
    identity = build_card_identity(td1_of(born_2003), None, TODAY)
    assert identity.date_of_birth == date(2003, 7, 21)
    assert identity.issue_date is None


def test_a_birth_date_known_only_by_year_is_accepted():
    citizen = replace(AN, personal_id="001060999001")
    td1 = td1_of(citizen, birth_date="60<<<<")
    for stated in ("1960", "00/00/1960", "03/1960"):
        dg13 = replace(citizen.dg13(), birth_date=stated)
        identity = build_card_identity(td1, dg13, TODAY)
        assert identity.date_of_birth is None and identity.birth_year == 1960


def test_a_card_without_expiry_never_expires():
    dg13 = replace(AN.dg13(), expiry_date="Không thời hạn")
    identity = build_card_identity(td1_of(AN, expiry_date="<<<<<<"), dg13, date(2099, 1, 1))
    assert identity.expiry_date is None and not identity.is_expired(date(2099, 1, 1))


def test_repr_of_an_identity_reveals_nothing():
    identity = identity_of(AN)
    assert repr(identity) == "CardIdentity(<hidden>)"
    assert "Nguyễn" not in repr(identity) and AN.personal_id not in repr(identity)


# ----------------------------------------------------------------- expiry


def test_an_expired_card_is_refused_with_a_clear_message():
    expired = TEST_CITIZENS[EXPIRED_CITIZEN_INDEX]
    with pytest.raises(CardExpired) as caught:
        identity_of(expired)
    assert "expired" in str(caught.value) and "VNeID" in str(caught.value)
    assert "hết hạn" in caught.value.vi and caught.value.code == "card_expired"


def test_a_card_is_valid_through_its_expiry_day():
    last_day = AN.expiry_date
    assert identity_of(AN, today=last_day).expiry_date == last_day
    with pytest.raises(CardExpired):
        identity_of(AN, today=last_day + timedelta(days=1))


def test_the_expired_test_card_was_fine_before_it_expired():
    expired = TEST_CITIZENS[EXPIRED_CITIZEN_INDEX]
    assert identity_of(expired, today=date(2023, 1, 1)).full_name == expired.full_name


# ----------------------------------------------------------------- inconsistencies


def test_dg13_and_mrz_id_numbers_must_agree_and_the_message_names_neither():
    dg13 = replace(AN.dg13(), personal_id="001085999777")
    with pytest.raises(CardDataInconsistent, match="DG13.*differs from the one in the MRZ") as caught:
        build_card_identity(td1_of(AN), dg13, TODAY)
    text = str(caught.value) + caught.value.vi
    assert "001085999777" not in text and AN.personal_id not in text
    assert caught.value.code == "card_inconsistent"


def test_the_id_number_must_fit_the_date_of_birth():
    citizen = replace(AN, personal_id="001086999001")  # says 1986, card says 1985
    with pytest.raises(CardDataInconsistent, match="birth-year digits"):
        build_card_identity(td1_of(citizen), citizen.dg13(), TODAY)


def test_the_id_number_must_fit_the_sex():
    citizen = replace(AN, personal_id="001185999001")  # says female, card says male
    with pytest.raises(CardDataInconsistent, match="sex digit"):
        build_card_identity(td1_of(citizen), citizen.dg13(), TODAY)


def test_an_unknown_province_code_on_a_card_is_inconsistent():
    citizen = replace(AN, personal_id="003085999001")
    with pytest.raises(CardDataInconsistent, match="province code"):
        build_card_identity(td1_of(citizen), citizen.dg13(), TODAY)


@pytest.mark.parametrize(
    ("td1_change", "dg13_change", "words"),
    [
        ({"sex": "F"}, {}, "sex in DG13 differs"),
        ({}, {"sex": "Khác"}, "not Nam or Nữ"),
        ({"birth_date": "850315"}, {}, "date of birth in DG13 differs"),
        ({"expiry_date": "450315"}, {}, "expiry date in DG13 differs"),
    ],
)
def test_dg13_and_mrz_must_agree_on_sex_birth_and_expiry(td1_change, dg13_change, words):
    with pytest.raises(CardDataInconsistent, match=words):
        build_card_identity(td1_of(AN, **td1_change), replace(AN.dg13(), **dg13_change), TODAY)


def test_the_mrz_document_number_must_be_the_last_nine_id_digits():
    lines = mrz.compose_td1(document_number="123456789", birth_date="850314", sex="M",
                            expiry_date="450314", surname="Nguyen", given_names="Van An",
                            optional_data_1=AN.personal_id)
    with pytest.raises(CardDataInconsistent, match="last nine digits"):
        build_card_identity(mrz.parse_td1(lines), AN.dg13(), TODAY)


def test_a_card_with_no_id_number_anywhere_is_inconsistent():
    lines = mrz.compose_td1(document_number="085999001", birth_date="850314", sex="M",
                            expiry_date="450314", surname="Nguyen", given_names="Van An")
    with pytest.raises(CardDataInconsistent, match="no 12-digit ID number"):
        build_card_identity(mrz.parse_td1(lines), None, TODAY)


@pytest.mark.parametrize(("which", "name"), [("DG1", "DG1 (MRZ)"), ("DG13", "DG13 (personal data)")])
def test_an_undecodable_data_group_is_unreadable_and_says_which(which, name):
    dg1 = datagroups.encode_dg1(AN.mrz_lines)
    dg13 = datagroups.encode_dg13(AN.dg13())
    if which == "DG1":
        dg1 = dg1[:20]
    else:
        dg13 = b"\x6d\x05\x31\x03\x30"
    with pytest.raises(CardDataUnreadable) as caught:
        card_identity_from_files(dg1, dg13, TODAY)
    assert caught.value.data_group == name and name in str(caught.value)


def test_card_identity_errors_are_refusals():
    assert CardIdentityError.http_status == 403
    for error in (CardExpired, CardDataInconsistent, CardDataUnreadable):
        assert issubclass(error, CardIdentityError)


@settings(max_examples=100, deadline=None)
@given(
    province=st.sampled_from(sorted(PROVINCES)),
    birth=st.dates(min_value=date(1920, 1, 1), max_value=date(2012, 12, 31)),
    female=st.booleans(),
    serial=st.integers(0, 999_999),
    years_valid=st.integers(1, 25),
)
def test_any_consistent_card_round_trips_through_dg1_and_dg13(province, birth, female, serial, years_valid):
    personal_id = compose_id_number(province, birth.year, Sex.FEMALE if female else Sex.MALE, serial)
    expiry = date(2026 + years_valid, birth.month, min(birth.day, 28))
    citizen = replace(AN, personal_id=personal_id, birth_date=birth, female=female, expiry_date=expiry)
    identity = identity_of(citizen)
    assert identity.id_number.digits == personal_id
    assert identity.date_of_birth == birth and identity.expiry_date == expiry
    assert identity.sex is (Sex.FEMALE if female else Sex.MALE)


# ----------------------------------------------------------------- keypad


def test_keypad_mrz_info_matches_what_the_card_reader_needs_for_every_test_citizen():
    for citizen in TEST_CITIZENS:
        info = mrz_info_from_keypad(citizen.personal_id, citizen.birth_date, citizen.expiry_date)
        assert info == citizen.mrz_information
        assert mrz.validate_mrz_information(info) == info


def test_keypad_mrz_info_layout_is_number_birth_expiry_with_check_digits():
    info = mrz_info_from_keypad("001 085 999001", date(1985, 3, 14), date(2045, 3, 14))
    assert info[0:9] == "085999001" and info[10:16] == "850314" and info[17:23] == "450314"
    assert info[9] == mrz.check_digit("085999001")
    assert len(info) == 24


def test_keypad_with_a_bad_id_number_says_what_is_wrong():
    with pytest.raises(IdNumberError, match="11 digits"):
        mrz_info_from_keypad("00108599900", date(1985, 3, 14), date(2045, 3, 14))


def test_keypad_catches_a_mistyped_birth_year_before_trying_the_card():
    with pytest.raises(IdNumberMismatch, match="birth-year digits"):
        mrz_info_from_keypad(AN.personal_id, date(1986, 3, 14), date(2045, 3, 14))


@pytest.mark.parametrize("text", ["14/03/1985", "14-03-1985", "14.03.1985", "14031985", " 14/3/1985 "])
def test_keypad_dates_are_accepted_in_common_forms(text):
    assert parse_keypad_date(text) == date(1985, 3, 14)


@pytest.mark.parametrize("text", ["31/02/2000", "1985-03-14", "abc", "", "14/03/85"])
def test_a_keypad_date_that_is_not_real_names_the_field(text):
    with pytest.raises(DateInputError, match="date of birth") as caught:
        parse_keypad_date(text, field="date of birth", vi_field="Ngày sinh")
    assert caught.value.vi.startswith("Ngày sinh")
