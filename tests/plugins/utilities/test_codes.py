"""EVN and water customer codes: formats, power corporation from the prefix, clear errors."""

import pytest

from plugins.utilities.codes import InvalidCustomerCode, parse_code, parse_evn_code


@pytest.mark.parametrize("code, short", [
    ("PB05020054904", "EVNSPC"), ("pa02000333444", "EVNNPC"), ("PC06000111222", "EVNCPC"),
    ("PD01000123456", "EVNHANOI"), ("PE 0400 0765432", "EVNHCMC"), ("PH01000000001", "EVN-PH"),
    ("PK01000000001", "EVN-PK"), ("PP01000000001", "EVN-PP"), ("PQ01000000001", "EVN-PQ"),
    ("PM01000123456", "EVNNPC"), ("PN01000123456", "EVNNPC"), ("PNGV000123456", "EVNNPC"),
    ("PA0AB00012345", "EVNNPC"),
])
def test_evn_code_names_its_power_company(code, short):
    parsed = parse_evn_code(code)
    assert parsed.company_short == short and len(parsed.code) == 13 and parsed.kind == "electricity"


@pytest.mark.parametrize("code, message", [
    ("PB0502005490", "13 characters"), ("PB050200549044", "13 characters"), ("XB05020054904", "P, a letter"),
    ("PB0502005490-", "P, a letter"), ("PB05020_54904", "P, a letter"), ("PZ05020054904", "PZ is not the prefix"),
])
def test_wrong_evn_codes_say_what_a_code_looks_like(code, message):
    with pytest.raises(InvalidCustomerCode) as caught:
        parse_evn_code(code)
    assert message in str(caught.value) and caught.value.vi


def test_water_codes_and_kind_choice():
    assert parse_code("water", "nshn0012345").company_short == "HAWACOM"
    with pytest.raises(InvalidCustomerCode):
        parse_code("water", "PB05020054904")
    with pytest.raises(InvalidCustomerCode):
        parse_code("gas", "PB05020054904")
