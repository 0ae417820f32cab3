"""VietQR properties: encode/decode round trips, and the decoder refusing junk only with VietQRError."""

import binascii
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from core.payments.vietqr import (
    MAX_AMOUNT,
    SERVICE_TO_ACCOUNT,
    SERVICE_TO_CARD,
    VietQRError,
    crc16_ccitt_false,
    decode_vietqr,
    encode_vietqr,
    payload_crc,
    strip_vietnamese_diacritics,
)

EXAMPLES = settings(max_examples=200, deadline=None)
PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
VIETNAMESE_TEXT = VIETNAMESE + VIETNAMESE.upper() + " 0123456789"

SAMPLE = encode_vietqr("970415", "0011001932418", amount=120000, purpose="ung ho lu lut",
                       dynamic=True)

bins = st.text(string.digits, min_size=6, max_size=6)
account_numbers = st.text(string.ascii_letters + string.digits, min_size=1, max_size=19)
card_numbers = st.text(string.digits, min_size=8, max_size=19)
amounts = st.none() | st.integers(1, MAX_AMOUNT)
purposes = st.none() | st.text(PRINTABLE_ASCII, min_size=1, max_size=25)


@st.composite
def transfers(draw):
    service = draw(st.sampled_from([SERVICE_TO_ACCOUNT, SERVICE_TO_CARD]))
    account = draw(card_numbers if service == SERVICE_TO_CARD else account_numbers)
    return dict(bin=draw(bins), account=account, amount=draw(amounts), purpose=draw(purposes),
                dynamic=draw(st.booleans()), service=service)


@EXAMPLES
@given(transfers())
def test_every_valid_transfer_survives_encode_then_decode(transfer):
    payload = encode_vietqr(**transfer)
    qr = decode_vietqr(payload)
    assert (qr.bin, qr.account, qr.amount, qr.purpose, qr.dynamic, qr.service) == (
        transfer["bin"], transfer["account"], transfer["amount"], transfer["purpose"],
        transfer["dynamic"], transfer["service"])
    assert qr.to_payload() == payload
    assert qr.crc == payload[-4:] == payload_crc(payload[:-4])


@EXAMPLES
@given(st.text(VIETNAMESE_TEXT, min_size=1, max_size=25))
def test_vietnamese_purposes_encode_as_their_ascii_form(purpose):
    ascii_purpose = strip_vietnamese_diacritics(purpose)
    assert ascii_purpose.isascii() and len(ascii_purpose) == len(purpose)
    payload = encode_vietqr("970436", "1023456789", purpose=purpose)
    assert payload.isascii()
    assert decode_vietqr(payload).purpose == ascii_purpose


@EXAMPLES
@given(st.binary(max_size=300))
def test_crc_matches_the_standard_library_xmodem_crc_started_at_ffff(data):
    assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


def _decodes_or_refuses_cleanly(payload):
    try:
        decode_vietqr(payload)
    except VietQRError:
        pass


@EXAMPLES
@given(st.text(max_size=200))
def test_random_text_is_decoded_or_refused_only_with_a_vietqr_error(text):
    _decodes_or_refuses_cleanly(text)


@EXAMPLES
@given(st.binary(max_size=200))
def test_random_bytes_are_decoded_or_refused_only_with_a_vietqr_error(data):
    _decodes_or_refuses_cleanly(data)


@EXAMPLES
@given(st.data())
def test_damaged_payloads_are_refused_only_with_a_vietqr_error(data):
    payload = SAMPLE
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, len(payload)))
        action = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        char = data.draw(st.sampled_from(PRINTABLE_ASCII))
        if action == "replace" and where < len(payload):
            payload = payload[:where] + char + payload[where + 1:]
        elif action == "insert":
            payload = payload[:where] + char + payload[where:]
        else:
            payload = payload[:where] + payload[where + 1:]
    _decodes_or_refuses_cleanly(payload)


def _data_object(tag, value):
    return f"{tag:02d}{len(value):02d}{value}"


values = st.text(PRINTABLE_ASCII, min_size=1, max_size=30)
# The mandatory objects, so that random additions reach the checks on values and templates.
VALID_START = "000201010212" "38540010A00000072701240006970436011010234567890208QRIBFTTA" "53037045802VN"


@st.composite
def nested_templates(draw):
    """A template made of data objects with random tags, sometimes nested once more."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        tag = draw(st.integers(0, 99))
        inner = (draw(nested_templates()) if draw(st.integers(0, 4)) == 0 else draw(values))
        parts.append(_data_object(tag, inner[:99]))
    return "".join(parts)[:99]


@st.composite
def structured_payloads(draw):
    """Well-formed data objects with random tags and values, closed by a correct CRC."""
    body = draw(st.sampled_from(["", "000201", VALID_START]))
    for _ in range(draw(st.integers(0, 8))):
        tag = draw(st.sampled_from([1, 2, 26, 38, 51, 52, 53, 54, 55, 58, 59, 60, 61, 62, 64,
                                    65, 79, 80, 99]) | st.integers(0, 99))
        value = draw(nested_templates() if tag in (38, 62) or draw(st.booleans()) else values)
        body += _data_object(tag, value)
    return body + "6304" + payload_crc(body + "6304")


@EXAMPLES
@given(structured_payloads())
def test_well_formed_payloads_with_random_tags_are_checked_without_crashing(payload):
    _decodes_or_refuses_cleanly(payload)
