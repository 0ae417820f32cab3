"""Every device of HAL-A against its simulator over sim://: a good reading, the common
fault profiles (garbage, bad_checksum, timeout, unplug + replug) and no wrong readings."""

from __future__ import annotations

import pytest

from hal.errors import DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import Status
from hal.protocols.receipt_printer import Receipt
from hal.sim import control
from tests.hal.conftest import MY_KINDS, make_driver, sim_url

EXPECTED = {
    "pulse_oximeter": {"spo2": 97, "pulse": 72},
    "blood_pressure": {"systolic": 120, "diastolic": 80, "mean_arterial": 93, "pulse": 72},
    "scale": {"weight": 72.5},
    "height_rod": {"height": 172.4},
    "thermometer": {"body_temperature": 36.8},
    "qr_scanner": {"code": "https://dichvucong.gov.vn/p/demo"},
    "receipt_printer": {"paper": "ok"},
    "geiger_counter": {"cpm": 15, "dose_rate": 0.0975},
    "air_quality": {"pm1": 11, "pm25": 18, "pm10": 28},
}
UNITS = {"spo2": "%", "pulse": "/min", "systolic": "mm[Hg]", "diastolic": "mm[Hg]",
         "mean_arterial": "mm[Hg]", "weight": "kg", "height": "cm", "body_temperature": "Cel",
         "cpm": "{counts}/min", "dose_rate": "uSv/h", "pm1": "ug/m3", "pm25": "ug/m3", "pm10": "ug/m3"}
# How each kind's "unplug" profile is made to strike during the reading.
UNPLUG_EXTRA = {"scale": "unplug_after=1", "pulse_oximeter": "unplug_after=0.15",
                "qr_scanner": "every=0.5"}


def operate(driver):
    """The device's main operation: print for the printer, read for the others."""
    if driver.kind == "receipt_printer":
        driver.print_receipt(Receipt().line("Biên nhận").cut())
        return None
    return driver.read()


@pytest.mark.parametrize("kind", MY_KINDS)
def test_healthy_device_is_ready_and_reads_the_simulated_values_in_fixed_units(kind):
    driver = make_driver(kind)
    assert driver.open() == Status.READY, driver.status_reason
    reading = driver.read()
    assert reading.values == EXPECTED[kind]
    assert reading.units == {k: UNITS[k] for k in reading.values if k in UNITS}
    assert reading.device_id == f"{kind}-1" and reading.taken_at.tzinfo is not None
    assert driver.status == Status.READY


@pytest.mark.parametrize("kind", MY_KINDS)
@pytest.mark.parametrize("profile", ["garbage", "bad_checksum"])
def test_corrupted_answers_are_a_protocol_error_never_a_reading(kind, profile):
    driver = make_driver(kind, sim_url(kind, profile))
    driver.open()
    if kind != "qr_scanner":  # a scanner cannot be probed: it only talks when scanning
        assert driver.status == Status.ERROR
        assert driver.status_reason.startswith("protocol error")
    with pytest.raises(ProtocolError):
        operate(driver)
    assert driver.status == Status.ERROR
    assert driver.status_reason.startswith("protocol error")


@pytest.mark.parametrize("kind", [k for k in MY_KINDS if k != "qr_scanner"])
def test_silent_device_is_not_ready_not_answering(kind):
    driver = make_driver(kind, sim_url(kind, "timeout"), measure_timeout=0.3)
    assert driver.open() == Status.NOT_READY
    assert driver.status_reason == "not answering"
    with pytest.raises(DeviceTimeout):
        operate(driver)
    assert (driver.status, driver.status_reason) == (Status.NOT_READY, "not answering")


def test_silent_scanner_means_nothing_was_scanned_and_stays_ready():
    driver = make_driver("qr_scanner", sim_url("qr_scanner", "timeout"), scan_timeout=0.2)
    assert driver.open() == Status.READY
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "nothing_scanned"
    assert driver.status == Status.READY


@pytest.mark.parametrize("kind", MY_KINDS)
def test_unplug_mid_operation_is_not_ready_and_replug_is_ready_again_without_restart(kind):
    url = sim_url(kind, "unplug", UNPLUG_EXTRA.get(kind, ""))
    driver = make_driver(kind, url, stable_frames=30) if kind == "pulse_oximeter" \
        else make_driver(kind, url)
    assert driver.open() == Status.READY
    with pytest.raises(DeviceNotReady, match="unplugged"):
        operate(driver)
    assert driver.status == Status.NOT_READY
    assert driver.status_reason.startswith("unplugged")
    assert driver.heartbeat() == Status.NOT_READY  # still gone
    control.replug(url)
    assert driver.heartbeat() == Status.READY
    result = operate(driver)
    if result is not None:
        assert result.values == EXPECTED[kind]


@pytest.mark.parametrize("kind", MY_KINDS)
def test_status_recovers_after_a_transient_fault(kind):
    url = sim_url(kind, "garbage")
    driver = make_driver(kind, url)
    driver.open()
    control.set_profile(url, "ok")
    assert driver.heartbeat() == Status.READY
