"""Golden bytes for every wire format of HAL-A's devices (encode and decode)."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from hal.errors import ProtocolError
from hal.protocols import blood_pressure as bp
from hal.protocols import checked_line, height_rod, qr_scanner, thermometer
from hal.protocols import receipt_printer as escpos
from hal.protocols.pulse_oximeter import (
    FrameSplitter,
    OximeterSample,
    StableWindow,
    decode_frame,
    encode_frame,
)
from hal.protocols.scale import LineLayout, format_weight_line, parse_weight_line

# -- blood pressure ----------------------------------------------------------------------


def test_sfloat_golden_vectors():
    assert bp.sfloat_bytes(128) == bytes.fromhex("80 00")
    assert bp.sfloat_bytes(17.6) == bytes.fromhex("B0 F0")
    assert bp.decode_sfloat(0x0080) == 128
    assert bp.decode_sfloat(0xF0B0) == 17.6


@pytest.mark.parametrize("raw,check", [
    (0x07FF, math.isnan), (0x0800, math.isnan), (0x0801, math.isnan),
    (0x07FE, lambda v: v == math.inf), (0x0802, lambda v: v == -math.inf),
])
def test_sfloat_special_values(raw, check):
    assert check(bp.decode_sfloat(raw))


def test_sfloat_special_values_encode_back():
    assert bp.encode_sfloat(math.nan) == 0x07FF
    assert bp.encode_sfloat(bp.NotAResolution()) == 0x0800
    assert bp.encode_sfloat(math.inf) == 0x07FE and bp.encode_sfloat(-math.inf) == 0x0802


def test_sfloat_negative_mantissa_and_exponent():
    assert bp.decode_sfloat(0xFFFF & ((0xE << 12) | (-5 & 0x0FFF))) == -0.05


def test_timestamp_golden_vector():
    moment = datetime(2013, 8, 26, 9, 10, 20)
    assert bp.encode_timestamp(moment) == bytes.fromhex("DD 07 08 1A 09 0A 14")
    assert bp.decode_timestamp(bytes.fromhex("DD 07 08 1A 09 0A 14")) == moment


def test_invalid_timestamp_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="valid date"):
        bp.decode_timestamp(bytes.fromhex("DD 07 0D 1A 09 0A 14"))  # month 13


def test_measurement_in_kpa_with_all_fields():
    payload = bytes.fromhex("1F") + bytes.fromhex("B0 F0 50 F0 80 F0") \
        + bytes.fromhex("DD 07 08 1A 09 0A 14") + bytes.fromhex("48 00") + b"\x02" \
        + bytes.fromhex("02 00")
    m = bp.decode_measurement(payload)
    assert (m.systolic, m.diastolic, m.mean_arterial, m.unit) == (17.6, 8.0, 12.8, "kPa")
    assert m.timestamp == datetime(2013, 8, 26, 9, 10, 20)
    assert (m.pulse, m.user_id, m.status) == (72, 2, bp.STATUS_CUFF_TOO_LOOSE)
    assert round(m.in_mmhg()[0]) == 132
    assert bp.decode_measurement(bp.encode_measurement(m)) == m


def test_minimal_measurement_in_mmhg():
    payload = bytes.fromhex("00 80 00 50 00 5D 00")
    m = bp.decode_measurement(payload)
    assert (m.systolic, m.diastolic, m.mean_arterial, m.unit) == (128, 80, 93, "mmHg")
    assert m.timestamp is None and m.pulse is None and m.status is None


def test_measurement_length_must_match_flags():
    with pytest.raises(ProtocolError, match="flags say"):
        bp.decode_measurement(bytes.fromhex("04 80 00 50 00 5D 00"))


def test_crc_and_frame_golden():
    assert bp.crc16_ccitt_false(b"123456789") == 0x29B1
    frame = bp.encode_frame(bp.MSG_START)
    assert frame[:3] == bytes([0x02, 0x01, 0x02])
    assert frame[3:] == bp.crc16_ccitt_false(bytes([0x01, 0x02])).to_bytes(2, "big")
    assert bp.take_frame(b"\x00\x00" + frame + b"\x02") == (bp.Frame(bp.MSG_START), 7, 2)


def test_frame_with_bad_crc_is_a_protocol_error():
    frame = bytearray(bp.encode_frame(bp.MSG_STATUS, b"\x00"))
    frame[-1] ^= 1
    with pytest.raises(ProtocolError, match="checksum"):
        bp.take_frame(bytes(frame))


# -- pulse oximeter ----------------------------------------------------------------------


def test_oximeter_frame_golden():
    sample = OximeterSample(signal_strength=6, pleth=64, bar_graph=4, pulse=130, spo2=97)
    frame = encode_frame(sample)
    assert frame == bytes([0x86, 0x40, 0x44, 0x02, 0x61])  # pulse 130: bit 7 in byte 2 bit 6
    assert decode_frame(frame) == sample


def test_oximeter_finger_out_frame_has_no_values():
    sample = decode_frame(bytes([0x90, 0x00, 0x40, 0x7F, 0x7F]))
    assert sample.finger_out and sample.pulse is None and sample.spo2 is None
    assert not sample.valid


def test_oximeter_splitter_resynchronises_after_noise():
    good = encode_frame(OximeterSample(pulse=72, spo2=97))
    splitter = FrameSplitter()
    samples = splitter.feed(b"\x01\x02" + good[:3] + good + good)
    assert [s.spo2 for s in samples] == [97, 97]
    assert splitter.discarded == 5


def test_stable_window_needs_n_steady_valid_frames_and_restarts_on_invalid():
    window = StableWindow(frames=3, spo2_tolerance=1, pulse_tolerance=2)
    ok = [OximeterSample(pulse=p, spo2=s) for p, s in ((72, 97), (73, 98), (71, 97))]
    assert window.add(ok[0]) is None and window.add(ok[1]) is None
    assert window.add(OximeterSample(finger_out=True)) is None  # restart
    assert window.add(ok[0]) is None and window.add(ok[1]) is None
    result = window.add(ok[2])
    assert (result.spo2, result.pulse) == (97, 72)


def test_stable_window_rejects_a_jumping_value():
    window = StableWindow(frames=2, spo2_tolerance=1, pulse_tolerance=2)
    window.add(OximeterSample(pulse=72, spo2=97))
    assert window.add(OximeterSample(pulse=90, spo2=97)) is None


# -- scale -------------------------------------------------------------------------------


def test_scale_line_golden():
    assert format_weight_line("ST", 72.5) == b"ST,GS,+0072.50kg\r\n"
    line = parse_weight_line(b"ST,GS,+0072.50kg\r\n")
    assert (line.stable, line.overload, line.kg) == (True, False, 72.5)
    assert parse_weight_line(b"US,GS,+0070.10kg\r\n").stable is False
    assert parse_weight_line(b"OL,GS,+9999.99kg\r\n").overload is True
    assert parse_weight_line(b"ST,NT,+072500. g").kg == 72.5


def test_scale_layout_is_configurable():
    layout = LineLayout.from_options({"line_regex": r"(?P<header>S|U) (?P<value>\d+\.\d)(?P<unit>kg)",
                                      "stable_headers": ["S"], "unstable_headers": ["U"]})
    assert parse_weight_line(b"S 64.2kg", layout).kg == 64.2
    with pytest.raises(ProtocolError):
        parse_weight_line(b"ST,GS,+0072.50kg", layout)


def test_scale_layout_without_required_groups_is_refused():
    with pytest.raises(ValueError, match="header"):
        LineLayout(regex=r"(?P<value>\d+)(?P<unit>kg)")


# -- checked lines: height rod, thermometer ----------------------------------------------


def test_checked_line_golden():
    assert checked_line.encode_line("STAT") == b"$STAT*12\r\n"
    assert checked_line.encode_line("HGT", "172.4") == b"$HGT,172.4*59\r\n"
    assert checked_line.decode_line(b"$HGT,172.4*59\r\n") == ["HGT", "172.4"]
    with pytest.raises(ProtocolError, match="checksum"):
        checked_line.decode_line(b"$HGT,172.4*58\r\n")


def test_height_and_temperature_answers():
    assert height_rod.decode_height(height_rod.encode_height(172.4)).height_cm == 172.4
    assert height_rod.decode_height(height_rod.encode_error("NO_TARGET")).error == "NO_TARGET"
    assert thermometer.decode_temperature(b"$TEMP,36.8,C,BODY*" + b"%02X" % checked_line.checksum(
        b"TEMP,36.8,C,BODY") + b"\r\n").celsius == 36.8
    assert thermometer.decode_temperature(thermometer.encode_temperature(98.2, "F")).celsius \
        == 36.8
    with pytest.raises(ProtocolError, match="range"):
        height_rod.decode_height(height_rod.encode_height(300.0))


# -- QR scanner ----------------------------------------------------------------------------


def test_scan_suffixes_and_utf8():
    assert qr_scanner.encode_scan("Phường 1", "crlf") == "Phường 1".encode() + b"\r\n"
    assert qr_scanner.decode_scan("Phường 1".encode() + b"\r") == "Phường 1"
    with pytest.raises(ProtocolError, match="control"):
        qr_scanner.decode_scan(b"ab\x07c\r")


# -- ESC/POS -------------------------------------------------------------------------------


def test_vietnamese_text_in_wpc1258_golden():
    assert escpos.encode_text("Tổng cộng") == bytes.fromhex("54 F4 D2 6E 67 20 63 F4 F2 6E 67")
    assert escpos.decode_text(bytes.fromhex("54 F4 D2 6E 67 20 63 F4 F2 6E 67"), 52) == "Tổng cộng"


def test_receipt_bytes_golden():
    data = escpos.Receipt().line("A", bold=True, align="center").qr("x", size=4).cut().to_bytes()
    assert data == bytes.fromhex(
        "1B 40 1B 74 34"                       # init, WPC1258
        "1B 61 01 1B 45 01 41 0A"              # centre, bold, "A", LF
        "1B 61 01"
        "1D 28 6B 04 00 31 41 32 00"           # model 2
        "1D 28 6B 03 00 31 43 04"              # module size 4
        "1D 28 6B 03 00 31 45 31"              # ecc M
        "1D 28 6B 04 00 31 50 30 78"           # store "x"
        "1D 28 6B 03 00 31 51 30 0A"           # print
        "1D 56 41 03")                         # feed and cut


def test_status_bytes():
    assert escpos.realtime_status_request(4) == bytes.fromhex("10 04 04")
    assert escpos.decode_roll_paper_status(0x12 | 0x0C).near_end
    assert escpos.decode_roll_paper_status(0x12 | 0x60).out
    assert escpos.decode_printer_status(0x12) is True
    assert escpos.decode_printer_status(0x1A) is False
    assert escpos.decode_paper_sensor_status(0x0F) == escpos.PaperState(True, True)
    with pytest.raises(ProtocolError):
        escpos.decode_roll_paper_status(0x02)


def test_parser_keeps_incomplete_command_for_later():
    parser = escpos.EscPosParser()
    assert [c.name for c in parser.feed(b"\x1b")] == []
    assert [c.name for c in parser.feed(b"\x40AB\x0a\x10\x04")] == ["init", "text", "lf"]
    assert parser.feed(b"\x04") == [escpos.Command("realtime_status", (4,))]


def test_parser_refuses_commands_outside_the_subset():
    with pytest.raises(ProtocolError, match="ESC 0x21"):
        escpos.EscPosParser().feed(b"\x1b\x21\x00")


# -- issue 16: status bits, reserved flags, the balance format -------------------------------


def test_oximeter_status_bits_are_pulse_beep_spo2_dropping_finger_out():
    beep = decode_frame(bytes([0xC6, 0x40, 0x04, 0x48, 0x61]))
    assert beep.pulse_beep and not beep.spo2_dropping and not beep.finger_out and beep.valid
    dropping = decode_frame(bytes([0xA6, 0x40, 0x04, 0x48, 0x61]))
    assert dropping.spo2_dropping and not dropping.pulse_beep and not dropping.finger_out
    out = decode_frame(bytes([0x90, 0x00, 0x40, 0x7F, 0x7F]))
    assert out.finger_out and not out.spo2_dropping and not out.pulse_beep
    assert encode_frame(OximeterSample(signal_strength=6, pleth=64, bar_graph=4, pulse=72, spo2=97,
                                       pulse_beep=True))[0] == 0xC6


def test_the_simulated_oximeter_beeps_once_per_heartbeat():
    from hal.sim.pulse_oximeter import PulseOximeterSimulator

    sim = PulseOximeterSimulator("ok", {"pulse": 60, "search_s": 0.0})
    frames = [decode_frame(encode_frame(sim.sample_at(n / 60.0))) for n in range(600)]  # 10 s at 60 Hz
    assert 9 <= sum(f.pulse_beep for f in frames) <= 11


@pytest.mark.parametrize("flags", [0x20, 0x40, 0x80, 0xE0])
def test_blood_pressure_reserved_flag_bits_are_ignored(flags):
    m = bp.decode_measurement(bytes([flags]) + bytes.fromhex("80 00 50 00 5D 00"))
    assert (m.systolic, m.diastolic, m.mean_arterial, m.unit) == (128, 80, 93, "mmHg")
    assert bp.decode_measurement(bytes([flags | 0x04]) + bytes.fromhex("80 00 50 00 5D 00 48 00 01")).pulse == 72


def test_blood_pressure_extra_octets_without_a_reserved_flag_are_still_refused():
    with pytest.raises(ProtocolError, match="flags say"):
        bp.decode_measurement(bytes.fromhex("00 80 00 50 00 5D 00 00"))


def test_scale_reads_the_balance_format_too():
    line = parse_weight_line(b"ST,+00123.45  g\r\n")
    assert line.stable and line.kg == 0.12345
    assert parse_weight_line(b"US,+00072.50 kg").kg == 72.5 and not parse_weight_line(b"US,+00072.50 kg").stable
    assert parse_weight_line(b"ST,-00001.00  g").kg == -0.001
    from hal.protocols.scale import format_balance_line
    assert format_balance_line("ST", 123.45) == b"ST,+00123.45  g\r\n"
    with pytest.raises(ProtocolError):
        parse_weight_line(b"ST,+00123.45 g")  # the balance format's unit is 3 characters


def test_gs_v_0_raster_image_golden_and_parsed_back():
    job = escpos.raster_image(2, 2, bytes([0x80, 0x01, 0xFF, 0x00]))
    assert job == bytes.fromhex("1D 76 30 00 02 00 02 00 80 01 FF 00")
    (command,) = escpos.EscPosParser().feed(job)
    assert command.name == "raster" and command.args == (0, 2, 2) and command.data == bytes([0x80, 0x01, 0xFF, 0x00])
    parser = escpos.EscPosParser()
    assert parser.feed(job[:9]) == [] and parser.feed(job[9:])[0].data == command.data  # waits for the whole image
    with pytest.raises(ValueError):
        escpos.raster_image(2, 2, b"\x00")


def test_raster_receipt_keeps_qr_and_cut_as_commands():
    receipt = escpos.Receipt().line("Phường Bến Nghé", align="center").qr("https://x.vn/1").cut()
    names = [c.name for c in escpos.EscPosParser().feed(receipt.to_raster_bytes(384))]
    assert names.count("raster") == 1 and "text" not in names and "qr" in names and names[-1] == "cut"
