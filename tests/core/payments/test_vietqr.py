"""VietQR payloads: published golden vectors, the CRC, encoding rules and every decoding error."""

import binascii
import json

import pytest

from core.errors import UserInputError
from core.payments.vietqr import (
    KNOWN_BINS,
    MAX_AMOUNT,
    CRCMismatchError,
    DuplicateTagError,
    InvalidValueError,
    MalformedPayloadError,
    MissingTagError,
    TextEncodingError,
    TrailingDataError,
    UnknownTagError,
    UnsupportedTagError,
    VietQR,
    VietQRError,
    bank_name,
    crc16_ccitt_false,
    decode_vietqr,
    encode_vietqr,
    payload_crc,
    strip_vietnamese_diacritics,
)

# --------------------------------------------------------------------------- golden vectors
# Published payloads, each with where it was found and what it says.

# NAPAS IBFT QR specification v1.5.2, dynamic QR to an account (Sacombank, 180 000 VND, bill
# number NPS6869, purpose "thanh toan don hang"), as quoted in github.com/binhnguyenduc/vietqr-ts
# tests/compliance ("qr_format_v1.5.2.md line 981") and in an independent PHP test suite.
NAPAS_DYNAMIC_ACCOUNT = (
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA"
    "530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E")
# NAPAS IBFT v1.5.2, static QR to a card (vietqr-ts, "qr_format_v1.5.2.md line 953").
NAPAS_STATIC_CARD = (
    "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC"
    "53037045802VN63044F52")
# NAPAS IBFT v1.5.2 static account example as printed ("line 925"): tag 38.01 declares 27
# characters but its BIN and account objects fill 26, so one character is left over.
NAPAS_STATIC_ACCOUNT_AS_PRINTED = (
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA"
    "53037045802VN6304F4E5")
# github.com/subiz/vietqr README: Generate(120000, "970415", "0011001932418", "ủng hộ lũ lụt").
SUBIZ_VIETINBANK = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C")
# github.com/subiz/vietqr vietqr_test.go: static, no amount, TPBank 0099999999.
SUBIZ_TPBANK_STATIC = (
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
    "53037045802VN6304CBB4")
# github.com/subiz/vietqr vietqr_test.go: MB 0023457923442, 40123 VND, "chuyển khoản".
SUBIZ_MB_DIACRITICS = (
    "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
    "53037045405401235802VN62160812chuyen khoan6304722F")
# pub.dev/documentation/vietqr_generator: static QR that still carries an amount.
PUBDEV_STATIC_WITH_AMOUNT = (
    "00020101021138540010A00000072701240006970407011003865776720208QRIBFTTA"
    "5303704540710000005802VN62160812henry an cut6304A322")


def with_crc(body: str) -> str:
    """Close a payload body with tag 63 and its correct CRC."""
    return body + "6304" + payload_crc(body + "6304")


GOOD_BODY = ("000201010212" "38570010A00000072701270006970415011300110019324180208QRIBFTTA"
             "5303704" "5406120000" "5802VN" "62170813ung ho lu lut")


def test_napas_dynamic_account_example_decodes_to_its_documented_fields():
    qr = decode_vietqr(NAPAS_DYNAMIC_ACCOUNT)
    assert qr.to_dict() == {
        "payload_format": "01", "initiation": "dynamic", "guid": "A000000727",
        "bin": "970403", "bank": "Sacombank", "account": "0011012345678",
        "service": "QRIBFTTA", "service_kind": "account", "currency": "704",
        "amount": 180000, "country": "VN", "purpose": "thanh toan don hang", "crc": "2E2E",
        "merchant_category": None, "merchant_name": None, "merchant_city": None,
        "postal_code": None, "additional_data": {"01": "NPS6869"}, "other_templates": {},
    }
    assert qr.to_payload() == NAPAS_DYNAMIC_ACCOUNT


def test_napas_static_card_example_decodes_and_reencodes_identically():
    qr = decode_vietqr(NAPAS_STATIC_CARD)
    assert (qr.initiation, qr.service_kind, qr.bin, qr.account, qr.amount, qr.purpose) == (
        "static", "card", "970403", "9704031101234567", None, None)
    assert encode_vietqr("970403", "9704031101234567", service="QRIBFTTC") == NAPAS_STATIC_CARD


def test_napas_static_account_example_as_printed_is_reported_as_malformed_not_guessed():
    with pytest.raises(MalformedPayloadError) as caught:
        decode_vietqr(NAPAS_STATIC_ACCOUNT_AS_PRINTED)
    assert caught.value.offset == 60
    assert "inside tag 38.01 (beneficiary organisation)" in str(caught.value)


@pytest.mark.parametrize("payload, arguments", [
    (SUBIZ_VIETINBANK, dict(bin="970415", account="0011001932418", amount=120000,
                            purpose="ủng hộ lũ lụt", dynamic=True)),
    (SUBIZ_TPBANK_STATIC, dict(bin="970423", account="0099999999")),
    (SUBIZ_MB_DIACRITICS, dict(bin="970422", account="0023457923442", amount=40123,
                               purpose="chuyển khoản", dynamic=True)),
    (PUBDEV_STATIC_WITH_AMOUNT, dict(bin="970407", account="0386577672", amount=1000000,
                                     purpose="henry an cut")),
], ids=["subiz-vietinbank", "subiz-tpbank-static", "subiz-mb-diacritics", "pubdev-static-amount"])
def test_published_payloads_are_reproduced_by_the_encoder_and_decode_back(payload, arguments):
    assert encode_vietqr(**arguments) == payload
    qr = decode_vietqr(payload)
    assert qr.bin == arguments["bin"] and qr.account == arguments["account"]
    assert qr.amount == arguments.get("amount")
    assert qr.dynamic is arguments.get("dynamic", False)
    assert qr.purpose == (strip_vietnamese_diacritics(arguments["purpose"])
                          if "purpose" in arguments else None)
    assert qr.crc == payload[-4:]


# --------------------------------------------------------------------------- CRC


def test_crc_has_the_catalogued_check_value():
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_crc_of_nothing_is_the_initial_value_and_of_one_letter_is_known():
    assert crc16_ccitt_false(b"") == 0xFFFF
    # By hand: 0xFFFF ^ (0x41 << 8) = 0xBEFF, then eight shift-and-XOR-0x1021 steps give 0xB915.
    assert crc16_ccitt_false(b"A") == 0xB915


def test_crc_agrees_with_the_standard_library_xmodem_crc_started_at_ffff():
    body = NAPAS_DYNAMIC_ACCOUNT[:-4].encode()
    assert crc16_ccitt_false(body) == binascii.crc_hqx(body, 0xFFFF) == 0x2E2E


def test_crc_covers_everything_up_to_and_including_6304():
    assert payload_crc(NAPAS_STATIC_CARD[:-4]) == "4F52"
    assert payload_crc(NAPAS_STATIC_CARD[:-8]) != "4F52"


# --------------------------------------------------------------------------- encoding


def test_dynamic_code_has_initiation_12_and_static_code_11():
    assert encode_vietqr("970436", "1023456789", dynamic=True).startswith("000201010212")
    assert encode_vietqr("970436", "1023456789").startswith("000201010211")


def test_purpose_loses_vietnamese_diacritics_including_d_with_stroke():
    payload = encode_vietqr("970436", "1023456789", purpose="Đóng phí hồ sơ đợt 1")
    assert decode_vietqr(payload).purpose == "Dong phi ho so dot 1"


@pytest.mark.parametrize("text, ascii_text", [
    ("Nguyễn Thị Ánh Tuyết", "Nguyen Thi Anh Tuyet"),
    ("ĐẶNG VĂN ĐỨC", "DANG VAN DUC"),
    ("ơ ư ă â ê ô", "o u a a e o"),
    ("Hoa\u0301 đơn", "Hoa don"),  # already decomposed input
    ("plain ASCII 123", "plain ASCII 123"),
])
def test_strip_vietnamese_diacritics(text, ascii_text):
    assert strip_vietnamese_diacritics(text) == ascii_text


def test_purpose_of_25_characters_is_accepted_and_26_refused():
    assert decode_vietqr(encode_vietqr("970436", "1", purpose="x" * 25)).purpose == "x" * 25
    with pytest.raises(InvalidValueError, match=r"tag 62\.08 \(purpose of transaction\) must be 1 to 25"):
        encode_vietqr("970436", "1", purpose="x" * 26)


@pytest.mark.parametrize("purpose", ["", "phí 🎉", "tab\there", "café – bill"])
def test_purpose_that_is_empty_or_not_ascii_after_stripping_is_refused(purpose):
    with pytest.raises(InvalidValueError) as caught:
        encode_vietqr("970436", "1023456789", purpose=purpose)
    assert caught.value.tag == "62.08"


def test_largest_amount_has_13_digits():
    assert decode_vietqr(encode_vietqr("970436", "1", amount=MAX_AMOUNT)).amount == 9_999_999_999_999


@pytest.mark.parametrize("amount", [0, -5, MAX_AMOUNT + 1, True, 1.5, "5000"])
def test_amount_must_be_a_positive_integer_of_at_most_13_digits(amount):
    with pytest.raises(InvalidValueError) as caught:
        encode_vietqr("970436", "1023456789", amount=amount)
    assert caught.value.tag == "54"


@pytest.mark.parametrize("arguments, tag", [
    (dict(bin="97043", account="1"), "38.01.00"),
    (dict(bin="97043a", account="1"), "38.01.00"),
    (dict(bin=970436, account="1"), "38.01.00"),
    (dict(bin="970436", account=""), "38.01.01"),
    (dict(bin="970436", account="12345678901234567890"), "38.01.01"),
    (dict(bin="970436", account="1023-456"), "38.01.01"),
    (dict(bin="970436", account="97040311ABC", service="QRIBFTTC"), "38.01.01"),
    (dict(bin="970436", account="1234567", service="QRIBFTTC"), "38.01.01"),
    (dict(bin="970436", account="1", service="QRPUSH"), "38.02"),
    (dict(bin="970436", account="1", dynamic="yes"), "01"),
])
def test_encoder_names_the_tag_whose_rule_is_broken(arguments, tag):
    with pytest.raises(InvalidValueError) as caught:
        encode_vietqr(**arguments)
    assert caught.value.tag == tag


def test_encoder_errors_do_not_quote_the_account_number():
    account = "ACCT0123456789SECRET9"
    with pytest.raises(InvalidValueError) as caught:
        encode_vietqr("970436", account)
    assert account not in str(caught.value) and "21 characters" in str(caught.value)


def test_card_service_accepts_a_19_digit_card_number():
    payload = encode_vietqr("970405", "9704050123456789012", service="QRIBFTTC", amount=50000)
    assert decode_vietqr(payload).to_dict()["service_kind"] == "card"


# --------------------------------------------------------------------------- decoding: accepted


def test_trailing_line_ending_from_a_scanner_is_ignored():
    assert decode_vietqr(SUBIZ_VIETINBANK + "\r\n").account == "0011001932418"


def test_bytes_are_decoded_as_utf8():
    assert decode_vietqr(SUBIZ_VIETINBANK.encode()).bin == "970415"


def test_lower_case_crc_is_accepted_and_reported_upper_case():
    assert decode_vietqr(SUBIZ_VIETINBANK[:-4] + "c15c").crc == "C15C"


@pytest.mark.parametrize("text, amount", [("50000", 50000), ("50000.", 50000),
                                          ("50000.00", 50000), ("0050000", 50000)])
def test_amount_with_an_empty_or_zero_decimal_part_is_whole_dong(text, amount):
    payload = with_crc(GOOD_BODY.replace("5406120000", f"54{len(text):02d}{text}"))
    assert decode_vietqr(payload).amount == amount


def test_fields_of_other_schemes_and_optional_emvco_fields_are_kept():
    body = ("000201010211"
            "26120008ABCDEFGH"  # another scheme's merchant account template
            "38540010A00000072701240006970436011010234567890208QRIBFTTA"
            "52045999" "5303704" "5802VN" "5910PHUONG CAC" "6005HANOI" "610570000"
            "62230310STORE-00010805TT001" "8206ABC123")
    qr = decode_vietqr(with_crc(body))
    assert (qr.merchant_category, qr.merchant_name, qr.merchant_city, qr.postal_code) == (
        "5999", "PHUONG CAC", "HANOI", "70000")
    assert qr.additional_data == (("03", "STORE-0001"),)
    assert qr.other_templates == (("26", "0008ABCDEFGH"), ("82", "ABC123"))
    assert qr.purpose == "TT001"
    assert qr.to_payload() == with_crc(body)
    json.dumps(qr.to_dict())


def test_tags_out_of_order_decode_and_reencode_in_canonical_order():
    shuffled = with_crc("000201" "5802VN" "5303704" "010212"
                        "38570010A00000072701270006970415011300110019324180208QRIBFTTA"
                        "5406120000" "62170813ung ho lu lut")
    assert decode_vietqr(shuffled).to_payload() == SUBIZ_VIETINBANK


def test_bank_name_knows_the_architecture_table_and_not_made_up_bins():
    assert {b: bank_name(b) for b in ("970436", "970415", "970418", "970405", "970407",
                                      "970422", "970416")} == {
        "970436": "Vietcombank", "970415": "VietinBank", "970418": "BIDV",
        "970405": "Agribank", "970407": "Techcombank", "970422": "MB", "970416": "ACB"}
    assert bank_name("999999") is None
    assert all(len(b) == 6 and b.startswith("9704") for b in KNOWN_BINS)


def test_unknown_bin_decodes_with_no_bank_name():
    assert decode_vietqr(encode_vietqr("970999", "123")).to_dict()["bank"] is None


def test_hand_built_value_reports_the_crc_of_its_payload():
    qr = VietQR(bin="970423", account="0099999999")
    assert qr.to_dict()["crc"] == "CBB4" and qr.to_payload() == SUBIZ_TPBANK_STATIC


# --------------------------------------------------------------------------- decoding: errors


def test_every_decoding_error_is_a_user_input_error():
    with pytest.raises(UserInputError) as caught:
        decode_vietqr("garbage")
    assert isinstance(caught.value, VietQRError)
    assert caught.value.http_status == 400 and caught.value.exit_code == 2


def test_altered_payload_reports_expected_and_found_crc():
    altered = SUBIZ_VIETINBANK.replace("5406120000", "5406920000")
    with pytest.raises(CRCMismatchError) as caught:
        decode_vietqr(altered)
    assert caught.value.found == "C15C"
    assert caught.value.expected == payload_crc(altered[:-4])
    assert "C15C" in str(caught.value) and caught.value.expected in str(caught.value)


def test_crc_that_is_not_hex_is_an_invalid_value():
    with pytest.raises(InvalidValueError, match=r"tag 63 \(CRC\) must be 4 hexadecimal digits"):
        decode_vietqr(SUBIZ_VIETINBANK[:-4] + "C1ZZ")


def test_length_field_that_is_not_digits_names_tag_and_offset():
    with pytest.raises(MalformedPayloadError) as caught:
        decode_vietqr("000201010212" + "38x7" + "0010A000000727")
    assert (caught.value.tag, caught.value.offset) == ("38", 14)
    assert "tag 38 (VietQR merchant account information) has a length field" in str(caught.value)


def test_tag_that_is_not_digits_is_malformed():
    with pytest.raises(MalformedPayloadError, match="offset 6: expected a 2-digit tag"):
        decode_vietqr("000201AB02")


def test_length_running_past_the_end_names_tag_and_what_remains():
    with pytest.raises(MalformedPayloadError) as caught:
        decode_vietqr(SUBIZ_VIETINBANK[:SUBIZ_VIETINBANK.index("6217") + 10])
    assert caught.value.tag == "62"
    assert "declares 17 characters but only" in str(caught.value)


def test_zero_length_data_object_is_malformed():
    with pytest.raises(MalformedPayloadError, match="declares length 00"):
        decode_vietqr(with_crc(GOOD_BODY + "5900"))


def test_nested_length_running_past_its_template_is_malformed():
    body = GOOD_BODY.replace("62170813ung ho lu lut", "62170820ung ho lu lut")
    with pytest.raises(MalformedPayloadError, match=r"tag 62\.08 .* inside tag 62"):
        decode_vietqr(with_crc(body))


def test_characters_after_the_crc_are_trailing_data():
    with pytest.raises(TrailingDataError) as caught:
        decode_vietqr(SUBIZ_VIETINBANK + "XYZ")
    assert caught.value.offset == len(SUBIZ_VIETINBANK)
    assert "3 characters follow the CRC" in str(caught.value)


def test_payload_without_crc_reports_it_missing():
    with pytest.raises(MissingTagError, match=r"missing mandatory tag 63 \(CRC\)"):
        decode_vietqr(GOOD_BODY)


@pytest.mark.parametrize("body, unknown", [
    (GOOD_BODY + "7002AB", "70"),
    (GOOD_BODY.replace("0208QRIBFTTA", "0208QRIBFTTA0302XY").replace("3857", "3863"), "38.03"),
    (GOOD_BODY.replace("62170813ung ho lu lut", "62250813ung ho lu lut2004ABCD"), "62.20"),
    (GOOD_BODY.replace("3857", "3863").replace("01270006", "01330006")
     .replace("0208QRIBFTTA", "0202XY0208QRIBFTTA"), "38.01.02"),
])
def test_unknown_tag_is_named_with_its_path(body, unknown):
    with pytest.raises(UnknownTagError) as caught:
        decode_vietqr(with_crc(body))
    assert caught.value.tag == unknown
    assert f"unknown tag {unknown.rpartition('.')[2]}" in str(caught.value)


def test_tip_or_convenience_fee_is_refused_because_it_changes_the_amount():
    with pytest.raises(UnsupportedTagError, match=r"tag 55 \(tip or convenience indicator\)"):
        decode_vietqr(with_crc(GOOD_BODY + "550201"))


@pytest.mark.parametrize("removed, missing", [
    ("5802VN", "58"), ("5303704", "53"), ("010212", "01"),
    ("0208QRIBFTTA", "38.02"), ("0010A000000727", "38.00"),
])
def test_missing_mandatory_tag_is_named(removed, missing):
    body = GOOD_BODY.replace(removed, "")
    if missing.startswith("38."):
        body = body.replace("3857", f"38{57 - len(removed)}")
    with pytest.raises(MissingTagError) as caught:
        decode_vietqr(with_crc(body))
    assert caught.value.tag == missing


def test_missing_merchant_account_is_named():
    with pytest.raises(MissingTagError, match=r"tag 38 \(VietQR merchant account information\)"):
        decode_vietqr(with_crc("000201010212530370454061200005802VN"))


def test_tag_00_that_is_not_first_is_malformed():
    with pytest.raises(MalformedPayloadError, match="tag 00 must be the first"):
        decode_vietqr(with_crc("010212" + GOOD_BODY.replace("010212", "")))


@pytest.mark.parametrize("old, new, tag, says", [
    ("5303704", "5303840", "53", "must be '704' (VND), found '840'"),
    ("5802VN", "5802US", "58", "must be 'VN', found 'US'"),
    ("000201", "000202", "00", "must be '01'"),
    ("010212", "010213", "01", "must be 11 (static) or 12 (dynamic)"),
    ("5406120000", "540612a000", "54", "must be digits"),
    ("5406120000", "54071200.50", "54", "fraction of a dong"),
    ("5406120000", "5401" "0", "54", "must not be zero"),
    ("5406120000", "5414" + "1" * 14, "54", "longer than 13"),
    ("0010A000000727", "0010A000000728", "38.00", "must be 'A000000727'"),
    ("0208QRIBFTTA", "0208QRPUSH00", "38.02", "must be QRIBFTTA (to an account) or QRIBFTTC"),
    ("0006970415", "0006970X15", "38.01.00", "must be 6 digits"),
    ("01130011001932418", "01130011001932-18", "38.01.01", "1 to 19 letters or digits"),
])
def test_value_breaking_its_rule_is_named_with_the_rule(old, new, tag, says):
    body = GOOD_BODY.replace(old, new)
    with pytest.raises(InvalidValueError) as caught:
        decode_vietqr(with_crc(body))
    assert caught.value.tag == tag
    assert says in str(caught.value)


def test_card_service_needs_a_card_number_of_digits():
    body = GOOD_BODY.replace("QRIBFTTA", "QRIBFTTC").replace("0011001932418", "00110019324AB")
    with pytest.raises(InvalidValueError, match="card number of 8 to 19 digits") as caught:
        decode_vietqr(with_crc(body))
    assert caught.value.tag == "38.01.01"


def test_merchant_category_code_must_be_four_digits():
    with pytest.raises(InvalidValueError, match=r"tag 52 .* 4 digits"):
        decode_vietqr(with_crc(GOOD_BODY + "5203599"))


def test_duplicate_tag_is_reported_where_it_repeats():
    with pytest.raises(DuplicateTagError) as caught:
        decode_vietqr(with_crc(GOOD_BODY + "54031005802VN"))
    assert caught.value.tag == "54"


def test_non_ascii_character_is_reported_with_its_offset():
    payload = SUBIZ_VIETINBANK.replace("ung ho", "ủng hộ")
    with pytest.raises(TextEncodingError) as caught:
        decode_vietqr(payload)
    assert caught.value.offset == payload.index("ủ")


def test_control_character_inside_the_payload_is_not_printable_ascii():
    with pytest.raises(TextEncodingError):
        decode_vietqr(SUBIZ_VIETINBANK.replace("ung ho", "ung\nho"))


def test_bytes_that_are_not_utf8_name_the_byte():
    with pytest.raises(TextEncodingError, match="byte 6 is not valid UTF-8"):
        decode_vietqr(b"000201\xff\xfe")


@pytest.mark.parametrize("payload", ["", "   ", "\r\n"])
def test_empty_payload_is_malformed(payload):
    with pytest.raises(MalformedPayloadError, match="empty"):
        decode_vietqr(payload)


def test_decoding_errors_never_quote_account_or_purpose():
    bad_account = with_crc(GOOD_BODY.replace("0011001932418", "00110019-2418"))
    bad_crc = GOOD_BODY + "6304FFFF"
    card_with_letters = with_crc(GOOD_BODY.replace("QRIBFTTA", "QRIBFTTC")
                                 .replace("0011001932418", "0011001932ABC"))
    for payload in (bad_account, bad_crc, card_with_letters):
        with pytest.raises(VietQRError) as caught:
            decode_vietqr(payload)
        message = str(caught.value)
        assert "00110019" not in message and "ung ho" not in message, message


def test_a_non_text_payload_is_a_programming_error():
    with pytest.raises(TypeError):
        decode_vietqr(12345)
