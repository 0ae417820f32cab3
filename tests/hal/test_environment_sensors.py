"""Environmental sensors: the GQ GMC Geiger counter (GQ-RFC1201) and the Plantower PMS5003
particle sensor (data manual V2.3) — golden bytes from the documents, the drivers against
their simulators, and the device-specific faults (saturated tube, stopped fan, error byte)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.errors import DeviceFault, ProtocolError
from hal.protocols import gmc, pms5003
from hal.sim.air_quality import AirQualitySimulator
from hal.sim.geiger_counter import GeigerCounterSimulator
from tests.hal.conftest import make_driver, sim_url

# -- golden bytes ----------------------------------------------------------------------------

# PMS5003 manual, appendix I (host protocol): the 7-byte commands with their check codes.
MANUAL_COMMANDS = {
    "READ_PASSIVE": "42 4D E2 00 00 01 71",
    "MODE_PASSIVE": "42 4D E1 00 00 01 70",
    "MODE_ACTIVE": "42 4D E1 00 01 01 71",
    "SLEEP": "42 4D E4 00 00 01 73",
    "WAKE": "42 4D E4 00 01 01 74",
}

# A 32-byte frame laid out as the manual's table: 42 4D, length 28, PM (CF=1) 11/18/28,
# PM (atmospheric) 11/18/28, counts 3240/980/184/11/3/1, reserved 0x91 00, check code.
GOLDEN_FRAME = bytes.fromhex(
    "424d001c" "000b0012001c" "000b0012001c" "0ca803d400b8000b00030001" "9100" "0400")


@pytest.mark.parametrize("name, expected", sorted(MANUAL_COMMANDS.items()))
def test_pms5003_commands_are_the_manuals_bytes(name, expected):
    assert getattr(pms5003, name) == bytes.fromhex(expected)


def test_pms5003_golden_frame_decodes_and_its_check_code_is_the_byte_sum():
    assert sum(GOLDEN_FRAME[:30]) == int.from_bytes(GOLDEN_FRAME[30:], "big")
    sample = pms5003.decode_frame(GOLDEN_FRAME)
    assert (sample.pm1, sample.pm25, sample.pm10) == (11, 18, 28)
    assert sample.counts == (3240, 980, 184, 11, 3, 1) and (sample.version, sample.error) == (0x91, 0)
    assert pms5003.encode_frame(sample) == GOLDEN_FRAME


@pytest.mark.parametrize("damage", [lambda f: f[:31] + bytes([f[31] ^ 1]), lambda f: f[:3] + b"\x1d" + f[4:],
                                    lambda f: b"\x42\x4e" + f[2:], lambda f: f[:31]])
def test_a_damaged_pms5003_frame_is_refused(damage):
    with pytest.raises(ProtocolError):
        pms5003.decode_frame(damage(GOLDEN_FRAME))


def test_a_frame_with_a_bad_check_code_is_skipped_and_the_next_good_one_taken():
    bad = GOLDEN_FRAME[:31] + b"\x01"
    buffer = b"\x01\x02" + bad + GOLDEN_FRAME
    sample, consumed, skipped = pms5003.take_frame(buffer)
    assert sample is None and skipped == consumed == 4  # the noise and the bad frame's start marker
    sample, consumed, skipped = pms5003.take_frame(buffer[consumed:])
    assert sample is not None and sample.pm25 == 18


def test_gmc_commands_and_answers_as_in_gq_rfc1201():
    assert (gmc.GETCPM, gmc.GETVER, gmc.HEARTBEAT_ON, gmc.HEARTBEAT_OFF) == (
        b"<GETCPM>>", b"<GETVER>>", b"<HEARTBEAT1>>", b"<HEARTBEAT0>>")
    assert gmc.decode_cpm(b"\x00\x1c") == 28                      # 16-bit MSB first (GMC-300/320)
    assert gmc.decode_cpm(b"\x00\x01\x00\x00") == 65_536          # 32-bit (GMC-500/600 firmware)
    assert gmc.decode_heartbeat(b"\xc0\x05") == 5                 # the top two bits are reserved
    assert gmc.decode_version(b"GMC-320Re 4.26") == "GMC-320Re 4.26"
    with pytest.raises(ProtocolError):
        gmc.decode_version(b"\x00" * 14)
    assert gmc.dose_rate_usv_h(154) == 1.001 and gmc.dose_rate_usv_h(154, 0.0057) == 0.8778


# -- simulators speak the protocol ------------------------------------------------------------


def test_the_geiger_simulator_streams_a_heartbeat_each_second_until_told_to_stop():
    sim = GeigerCounterSimulator(options={"cpm": 120})
    sim.receive(gmc.HEARTBEAT_ON, now=0.0)
    assert sim.emit(0.5) == b""
    beats = sim.emit(3.05)
    assert len(beats) == 6 and all(1 <= gmc.decode_heartbeat(beats[i:i + 2]) <= 3 for i in (0, 2, 4))
    sim.receive(gmc.HEARTBEAT_OFF, now=3.1)
    assert sim.emit(10.0) == b"" and sim.next_emit_at(10.0) is None
    sim.receive(b"<GETCPM>>", now=10.0)
    assert gmc.decode_cpm(sim.emit(10.0)) == 120


def test_the_pms5003_simulator_answers_read_commands_in_passive_mode():
    sim = AirQualitySimulator(options={"pm25": 42, "interval_s": 1.0})
    assert sim.emit(0.0) == b""                          # powered on: active mode, a frame a second
    assert len(sim.emit(1.01)) == 32
    sim.receive(pms5003.MODE_PASSIVE, now=1.1)
    assert sim.emit(5.0) == b""
    sim.receive(pms5003.READ_PASSIVE, now=5.0)
    assert pms5003.decode_frame(sim.emit(5.0)).pm25 == 42
    sim.receive(pms5003.READ_PASSIVE[:-1] + b"\x00", now=6.0)  # a command with a wrong check code
    assert sim.emit(6.0) == b""


# -- drivers against the simulators -----------------------------------------------------------


def test_the_geiger_driver_reports_cpm_and_dose_rate_with_the_tubes_factor():
    driver = make_driver("geiger_counter", sim_url("geiger_counter", extra="cpm=154"), usv_per_cpm=0.0057)
    driver.open()
    reading = driver.read()
    assert reading.values == {"cpm": 154, "dose_rate": 0.8778}
    assert reading.units == {"cpm": "{counts}/min", "dose_rate": "uSv/h"}


def test_a_four_byte_counter_is_read_with_the_matching_option_and_refused_without_it():
    url = sim_url("geiger_counter", extra="cpm=70000&cpm_bytes=4")
    driver = make_driver("geiger_counter", url, cpm_bytes=4, max_cpm=100_000)
    driver.open()
    assert driver.read().values["cpm"] == 70_000
    wrong = make_driver("geiger_counter", sim_url("geiger_counter", extra="cpm_bytes=4&instance=w"))
    wrong.open()
    with pytest.raises(ProtocolError):
        wrong.read()  # 4 bytes where 2 were expected: garbage, never a value


def test_a_saturated_tube_is_a_fault_never_a_dose():
    driver = make_driver("geiger_counter", sim_url("geiger_counter", "saturated"))
    driver.open()
    with pytest.raises(DeviceFault) as fault:
        driver.read()
    assert fault.value.code == "saturated"


def test_the_air_quality_driver_reports_pm_in_micrograms():
    driver = make_driver("air_quality", sim_url("air_quality", extra="pm25=63&pm10=90&pm1=40"))
    driver.open()
    assert driver.read().values == {"pm1": 40, "pm25": 63, "pm10": 90}


@pytest.mark.parametrize("profile, code", [("fan_failure", "no_airflow"), ("sensor_error", "sensor_error")])
def test_a_stopped_fan_and_the_error_byte_are_faults(profile, code):
    driver = make_driver("air_quality", sim_url("air_quality", profile))
    driver.open()
    with pytest.raises(DeviceFault) as fault:
        driver.read()
    assert fault.value.code == code


# -- fuzz ---------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_take_frame_on_any_bytes_never_raises_and_only_returns_whole_checked_frames(data):
    buffer = data
    while buffer:
        sample, consumed, skipped = pms5003.take_frame(buffer)
        assert 0 <= skipped <= consumed <= len(buffer)
        if sample is not None:
            assert pms5003.encode_frame(sample) in buffer[:consumed]
        if consumed == 0:
            break
        buffer = buffer[consumed:]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=0xFFFF))
def test_every_heartbeat_value_decodes_to_fourteen_bits(raw):
    assert gmc.decode_heartbeat(raw.to_bytes(2, "big")) == raw & 0x3FFF
