"""ZVT protocol: golden frames written from the spec, CRC, BCD, bitmaps, messages, fuzzing."""

from __future__ import annotations

import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.errors import ProtocolError
from hal.protocols import zvt


def _reverse_bits(value: int, width: int) -> int:
    return int(f"{value:0{width}b}"[::-1], 2)


def reference_crc(data: bytes) -> int:
    """Reflected CRC-CCITT built independently from the stdlib's non-reflected CRC-CCITT:
    reflecting input bytes and output turns poly 0x1021 into 0x8408."""
    mirrored = bytes(_reverse_bits(b, 8) for b in data)
    return _reverse_bits(binascii.crc_hqx(mirrored, 0), 16)


# --------------------------------------------------------------------------- CRC


def test_crc_matches_the_crc16_kermit_check_value():
    assert zvt.crc_ccitt_reflected(b"123456789") == 0x2189


@given(st.binary(max_size=64))
@settings(max_examples=100)
def test_crc_agrees_with_an_independent_implementation(data):
    assert zvt.crc_ccitt_reflected(data) == reference_crc(data)


# --------------------------------------------------------------------------- golden frames


def test_positive_ack_frame_is_the_spec_example():
    # 80 00 00 framed: CRC F5 1F sent low byte first.
    assert zvt.encode_frame(bytes(zvt.positive_ack())) == bytes.fromhex("1002 800000 1003 F51F")


def test_registration_frame_golden_bytes():
    apdu = zvt.encode_registration(zvt.Registration(password=0, config=0x86, currency=704))
    assert bytes(apdu) == bytes.fromhex("0600 06 000000 86 0704")
    crc = reference_crc(bytes.fromhex("0600060000008607 04 03"))
    expected = bytes.fromhex("1002 0600060000008607 04 1003") + crc.to_bytes(2, "little")
    assert zvt.encode_frame(bytes(apdu)) == expected
    assert expected[-2:] == bytes.fromhex("694A")


def test_default_registration_sets_the_bits_its_comment_claims():
    apdu = zvt.encode_registration(zvt.Registration())
    assert bytes(apdu) == bytes.fromhex("0600 06 000000 8E 0704")
    config = bytes(apdu)[6]
    assert config & 0x08  # bit 3: the ECR requires intermediate status information (04 FF)
    assert config & 0x02 and config & 0x04 and config & 0x80  # ECR prints; text-block print type
    assert not config & 0x10  # the ECR does not take amount input away from the terminal


def test_authorisation_carries_no_trace_number_the_terminal_assigns_it():
    apdu = zvt.encode_authorisation(zvt.Authorisation(amount=150_000))
    assert bytes(apdu) == bytes.fromhex("0601 0A 04000000150000 490704")
    assert 0x0B not in dict(zvt.decode_bitmaps(apdu.data))


def test_repeat_receipt_golden_bytes():
    assert bytes(zvt.encode_repeat_receipt(123456)) == bytes.fromhex("0620 03 123456")
    assert zvt.decode_repeat_receipt(zvt.encode_repeat_receipt(42)) == 42


def test_status_information_with_a_terminal_trace_number_decodes():
    info = zvt.decode_status_information(zvt.decode_apdu(bytes.fromhex("040F09 2700 0B987654 870042")))
    assert (info.result_code, info.trace_number, info.receipt_number) == (0, 987654, 42)


def test_authorisation_frame_doubles_every_dle_in_the_data():
    # 1000 VND: BCD 00 00 00 00 10 00 contains a 0x10 that must be sent as 10 10.
    apdu = zvt.encode_authorisation(zvt.Authorisation(amount=1000, currency=704))
    assert bytes(apdu) == bytes.fromhex("0601 0A 04 000000001000 49 0704")
    frame = zvt.encode_frame(bytes(apdu))
    crc = reference_crc(bytes(apdu) + b"\x03")
    assert frame == (
        bytes.fromhex("1002 06010A04 0000000010 10 00 490704 1003") + crc.to_bytes(2, "little")
    )
    assert zvt.decode_frame(frame) == bytes(apdu)


def test_frame_with_many_dles_round_trips():
    apdu = zvt.Apdu(0x04, 0x0F, bytes([0x10] * 5))
    frame = zvt.encode_frame(bytes(apdu))
    assert frame.count(b"\x10\x10") >= 5
    assert zvt.decode_frame(frame) == bytes(apdu)


def test_long_apdu_uses_ff_and_little_endian_length():
    apdu = zvt.Apdu(0x06, 0xD3, bytes(300))
    raw = zvt.encode_apdu(apdu)
    assert raw[:5] == bytes.fromhex("06D3FF2C01")
    assert zvt.decode_apdu(raw) == apdu


def test_frame_with_a_wrong_crc_is_a_protocol_error():
    frame = bytearray(zvt.encode_frame(bytes(zvt.positive_ack())))
    frame[-1] ^= 0x01
    with pytest.raises(ProtocolError, match="checksum"):
        zvt.decode_frame(bytes(frame))


def test_frame_reader_reports_ack_nak_frames_and_errors_in_order():
    good = zvt.encode_frame(bytes(zvt.positive_ack()))
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    events = zvt.FrameReader().feed(b"\x06" + good + b"\x15" + bad)
    assert [e.kind for e in events] == ["ack", "frame", "nak", "error"]
    assert events[1].apdu == bytes.fromhex("800000")


def test_frame_reader_assembles_a_frame_fed_byte_by_byte():
    frame = zvt.encode_frame(bytes.fromhex("0601 0A 04 000000001000 49 0704"))
    reader = zvt.FrameReader()
    events = [e for b in frame for e in reader.feed(bytes([b]))]
    assert [e.kind for e in events] == ["frame"]
    assert not reader.pending


# --------------------------------------------------------------------------- values


def test_bcd_round_trip_and_invalid_digits():
    assert zvt.encode_bcd(150000, 6) == bytes.fromhex("000000150000")
    assert zvt.decode_bcd(bytes.fromhex("000000150000")) == 150000
    with pytest.raises(ProtocolError):
        zvt.decode_bcd(b"\x1a")
    with pytest.raises(ValueError):
        zvt.encode_bcd(1000, 1)


def test_vnd_maps_to_the_amount_field_with_the_terminal_exponent():
    assert zvt.vnd_to_amount_field(150_000) == 150_000  # ISO 4217: VND has no minor unit
    assert zvt.vnd_to_amount_field(150_000, exponent=2) == 15_000_000
    assert zvt.amount_field_to_vnd(15_000_000, exponent=2) == 150_000
    with pytest.raises(ValueError):
        zvt.vnd_to_amount_field(0)
    with pytest.raises(ValueError):
        zvt.vnd_to_amount_field(10**12)


def test_bitmaps_with_variable_lengths_round_trip():
    fields = [(0x27, b"\x00"), (0x8B, b"VISA"), (0x3C, b"x" * 12), (0x06, bytes(200))]
    raw = zvt.encode_bitmaps(fields)
    assert raw.startswith(bytes.fromhex("2700 8B F0F4 56495341 3C F0F1F2"))
    assert zvt.decode_bitmaps(raw) == fields


def test_unknown_bitmap_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="unknown ZVT bitmap"):
        zvt.decode_bitmaps(b"\xfe\x00")


def test_status_information_golden_bytes_and_round_trip():
    info = zvt.StatusInformation(result_code=0, amount=150000, currency=704, trace_number=42,
                                 receipt_number=7, terminal_id=29001234, card_name="VISA")
    apdu = zvt.encode_status_information(info)
    assert bytes(apdu) == bytes.fromhex(
        "040F 1F 2700 04000000150000 490704 0B000042 870007 2929001234 8BF0F456495341"
    )
    assert zvt.decode_status_information(apdu) == info
    assert info.approved


def test_messages_round_trip():
    auth = zvt.Authorisation(amount=99, currency=704)
    assert zvt.decode_authorisation(zvt.encode_authorisation(auth)) == auth
    enquiry = zvt.StatusEnquiry(password=123456, reference=42)
    assert bytes(zvt.encode_status_enquiry(enquiry)) == bytes.fromhex("0501 07 123456 0B000042")
    assert zvt.decode_status_enquiry(zvt.encode_status_enquiry(enquiry)) == enquiry
    assert zvt.decode_abort(zvt.encode_abort(0x6C)) == 0x6C
    assert bytes(zvt.encode_abort(0x05)) == bytes.fromhex("061E0105")
    assert bytes(zvt.encode_completion()) == bytes.fromhex("060F00")
    assert zvt.decode_intermediate_status(zvt.encode_intermediate_status(0x0A, 5)) == 0x0A
    assert bytes(zvt.negative_ack(0x83)) == bytes.fromhex("848300")
    reg = zvt.Registration(password=123456, config=0x86)
    assert zvt.decode_registration(zvt.encode_registration(reg)) == reg


def test_decoding_the_wrong_message_type_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="expected authorisation"):
        zvt.decode_authorisation(zvt.positive_ack())


# --------------------------------------------------------------------------- fuzzing

_fuzz = settings(max_examples=200, deadline=None)


@given(st.binary(max_size=80))
@_fuzz
def test_frame_decoder_on_random_bytes_raises_only_protocol_error(data):
    try:
        zvt.decode_frame(data)
    except ProtocolError:
        pass


@given(st.binary(max_size=80))
@_fuzz
def test_frame_reader_never_raises(data):
    events = zvt.FrameReader().feed(data)
    assert all(e.kind in {"ack", "nak", "frame", "error"} for e in events)


@given(st.binary(max_size=80))
@_fuzz
def test_apdu_and_message_parsers_on_random_bytes_raise_only_protocol_error(data):
    for parse in (
        lambda: zvt.decode_apdu(data),
        lambda: zvt.decode_bitmaps(data),
        lambda: zvt.decode_status_information(zvt.Apdu(0x04, 0x0F, data)),
        lambda: zvt.decode_authorisation(zvt.Apdu(0x06, 0x01, data)),
        lambda: zvt.decode_registration(zvt.Apdu(0x06, 0x00, data)),
        lambda: zvt.decode_status_enquiry(zvt.Apdu(0x05, 0x01, data)),
        lambda: zvt.decode_intermediate_status(zvt.Apdu(0x04, 0xFF, data)),
        lambda: zvt.decode_abort(zvt.Apdu(0x06, 0x1E, data)),
    ):
        try:
            parse()
        except ProtocolError:
            pass


@given(st.binary(max_size=300))
@_fuzz
def test_any_apdu_survives_the_serial_framing(data):
    apdu = zvt.Apdu(0x04, 0x0F, data)
    assert zvt.decode_apdu(zvt.decode_frame(zvt.encode_frame(zvt.encode_apdu(apdu)))) == apdu
