"""Random bytes into every parser of HAL-A: only clean ProtocolErrors, never a crash."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.errors import ProtocolError
from hal.protocols import blood_pressure as bp
from hal.protocols import checked_line, height_rod, qr_scanner, thermometer
from hal.protocols import receipt_printer as escpos
from hal.protocols.pulse_oximeter import FrameSplitter, OximeterSample, decode_frame, encode_frame
from hal.protocols.scale import parse_weight_line

FUZZ = settings(max_examples=200, deadline=None)

PARSERS = {
    "oximeter frame": decode_frame,
    "oximeter stream": lambda data: FrameSplitter().feed(data),
    "bp measurement": bp.decode_measurement,
    "bp timestamp": bp.decode_timestamp,
    "bp frame": bp.take_frame,
    "checked line": checked_line.decode_line,
    "height status": height_rod.decode_status,
    "height answer": height_rod.decode_height,
    "temperature answer": thermometer.decode_temperature,
    "scale line": parse_weight_line,
    "qr scan cr": qr_scanner.decode_scan,
    "qr scan crlf": lambda data: qr_scanner.decode_scan(data, "crlf"),
    "escpos stream": lambda data: escpos.EscPosParser().feed(data),
    "printer status": lambda data: [escpos.decode_printer_status(b) for b in data],
    "paper status": lambda data: [escpos.decode_roll_paper_status(b) for b in data],
    "paper sensor": lambda data: [escpos.decode_paper_sensor_status(b) for b in data],
    "offline cause": lambda data: [escpos.decode_offline_cause(b) for b in data],
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_random_bytes_give_only_protocol_errors(name):
    parser = PARSERS[name]

    @FUZZ
    @given(st.binary(max_size=300))
    def check(data):
        try:
            parser(data)
        except ProtocolError:
            pass

    check()


@FUZZ
@given(st.binary(min_size=1, max_size=40), st.binary(max_size=40))
def test_checked_line_with_random_content_inside_a_valid_frame_shape(body, tail):
    line = b"$" + body + b"*" + b"%02X" % checked_line.checksum(body) + b"\r\n"
    try:
        checked_line.decode_line(line)
        height_rod.decode_height(line)
    except ProtocolError:
        pass


@FUZZ
@given(st.integers(min_value=0, max_value=0xFFFF))
def test_every_16_bit_pattern_is_a_float(raw):
    assert isinstance(bp.decode_sfloat(raw), float)


@FUZZ
@given(st.integers(min_value=-2045, max_value=2045), st.integers(min_value=-8, max_value=7))
def test_sfloat_round_trips(mantissa, exponent):
    value = bp.decode_sfloat(((exponent & 0xF) << 12) | (mantissa & 0x0FFF))
    assert math.isclose(bp.decode_sfloat(bp.encode_sfloat(value)), value, rel_tol=1e-9)


@FUZZ
@given(st.integers(0, 15), st.booleans(), st.integers(0, 127), st.integers(0, 15),
       st.booleans(), st.one_of(st.none(), st.integers(0, 254)),
       st.one_of(st.none(), st.integers(0, 126)))
def test_oximeter_frames_round_trip(signal, finger_out, pleth, bar, probe_error, pulse, spo2):
    sample = OximeterSample(signal_strength=signal, finger_out=finger_out, pleth=pleth,
                            bar_graph=bar, probe_error=probe_error, pulse=pulse, spo2=spo2)
    assert decode_frame(encode_frame(sample)) == sample


@FUZZ
@given(st.text(max_size=60))
def test_any_text_survives_the_printer_encoding_or_becomes_question_marks(text):
    text = "".join(ch for ch in text if ord(ch) >= 0x20)
    receipt = escpos.Receipt().line(text).to_bytes()
    commands = escpos.EscPosParser().feed(receipt)
    assert commands[-1].name == "lf"


@FUZZ
@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩị"
                        "òóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ", max_size=40))
def test_vietnamese_text_round_trips_through_wpc1258(text):
    assert escpos.decode_text(escpos.encode_text(text), 52) == text
    assert escpos.decode_text(escpos.encode_text(text.upper()), 52) == text.upper()
