"""The framework itself: model, sim:// transport, simulator registry, driver base."""

from __future__ import annotations

import threading
import time

import pytest
import serial

from hal.drivers import driver_for, driver_kinds
from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.monitor import HeartbeatMonitor
from hal.sim import control, simulator_for, simulator_kinds
from hal.sim.base import COMMON_PROFILES
from tests.hal.conftest import MY_KINDS, make_driver, sim_url


def test_kinds_and_statuses_are_plain_strings():
    assert DeviceKind("scale") == "scale"
    assert str(Status.NOT_READY) == "NOT_READY"


def test_descriptor_normalises_kind_and_capabilities():
    d = DeviceDescriptor(id="s1", kind="scale", url="sim://scale", capabilities=["weight"])
    assert d.kind is DeviceKind.scale and d.capabilities == frozenset({"weight"})


@pytest.mark.parametrize("kind", MY_KINDS)
def test_every_kind_has_a_driver_and_a_simulator_with_the_common_profiles(kind):
    assert DeviceKind(kind) in driver_kinds() and DeviceKind(kind) in simulator_kinds()
    assert COMMON_PROFILES <= simulator_for(kind).all_profiles()
    assert driver_for(kind).kind == kind


def test_unknown_profile_or_option_refuses_to_open_with_a_clear_message():
    with pytest.raises(serial.SerialException, match="unknown profile 'nope'"):
        serial.serial_for_url("sim://scale?profile=nope")
    with pytest.raises(serial.SerialException, match="unknown option"):
        serial.serial_for_url("sim://scale?wieght=3")
    with pytest.raises(serial.SerialException, match="not a valid float"):
        serial.serial_for_url("sim://scale?weight=heavy")


def test_sim_port_read_honours_the_timeout_without_data():
    port = serial.serial_for_url("sim://scale", timeout=0.1, bytesize=7, parity="E")
    started = time.monotonic()
    assert port.read(10) == b""
    assert 0.08 <= time.monotonic() - started < 0.5


def test_sim_port_answers_as_soon_as_the_device_sends():
    port = serial.serial_for_url("sim://height_rod?measure_s=0.05", timeout=1.0)
    port.write(b"$MEAS*1A\r\n".replace(b"1A", b"%02X" % _xor(b"MEAS")))
    started = time.monotonic()
    line = port.read_until(b"\r\n")
    assert line.startswith(b"$HGT,172.4*")
    assert time.monotonic() - started < 0.5


def _xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def test_wrong_line_settings_give_noise_not_data():
    port = serial.serial_for_url("sim://scale", timeout=0.2)  # 8N1 instead of 7E1
    port.write(b"Q\r\n")
    assert b"kg" not in port.read(64)


def test_unplugged_port_fails_like_a_pulled_usb_adapter_and_replug_needs_a_reopen():
    url = "sim://scale"
    port = serial.serial_for_url(url, timeout=0.1, bytesize=7, parity="E")
    control.unplug(url)
    with pytest.raises(serial.SerialException, match="disconnected"):
        port.read(1)
    with pytest.raises(serial.SerialException, match="unplugged"):
        serial.serial_for_url(url)
    control.replug(url)
    with pytest.raises(serial.SerialException):
        port.write(b"Q\r\n")  # the old handle stays dead
    fresh = serial.serial_for_url(url, timeout=0.5, bytesize=7, parity="E")
    fresh.write(b"Q\r\n")
    assert fresh.read_until(b"\r\n").endswith(b"kg\r\n")


def test_same_url_is_the_same_device_and_instance_option_separates_them():
    assert control.simulator("sim://scale?weight=70") is control.simulator("sim://scale?weight=70")
    assert control.simulator("sim://scale") is not control.simulator("sim://scale?instance=b")


def test_status_changes_are_published_to_subscribers_until_unsubscribed():
    driver = make_driver("thermometer")
    events = []
    unsubscribe = driver.subscribe(events.append)
    driver.open()
    assert [(e.status, e.event) for e in events] == [(Status.CONNECTING, "status"),
                                                     (Status.READY, "status")]
    assert all(e.device_id == "thermometer-1" and e.at.tzinfo for e in events)
    unsubscribe()
    driver.close()
    assert len(events) == 2


def test_a_failing_subscriber_does_not_break_the_driver():
    driver = make_driver("thermometer")
    driver.subscribe(lambda event: 1 / 0)
    assert driver.open() == Status.READY


def test_second_concurrent_caller_gets_busy_and_heartbeat_does_not_interfere():
    driver = make_driver("blood_pressure", sim_url("blood_pressure", extra="inflate_s=0.4")
                         .replace("inflate_s=0.05&", ""))
    driver.open()
    result = {}
    worker = threading.Thread(target=lambda: result.update(reading=driver.read()))
    worker.start()
    deadline = time.monotonic() + 2
    while driver.status != Status.BUSY and time.monotonic() < deadline:
        time.sleep(0.005)
    assert driver.status == Status.BUSY
    with pytest.raises(DeviceBusy, match="busy"):
        driver.read()
    assert driver.heartbeat() == Status.BUSY
    worker.join()
    assert result["reading"].values["systolic"] == 120
    assert driver.status == Status.READY


def test_device_missing_at_open_is_not_ready_with_reason_and_read_raises():
    driver = make_driver("scale", url="sim://scale?instance=x")
    control.unplug("sim://scale?instance=x")
    assert driver.open() == Status.NOT_READY
    assert driver.status_reason.startswith("unplugged")
    with pytest.raises(DeviceNotReady, match="NOT_READY: unplugged"):
        driver.read()


def test_fault_leaves_status_as_the_fault_says():
    driver = make_driver("height_rod", sim_url("height_rod", "no_target"))
    driver.open()
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "no_target"
    assert driver.status == Status.READY


def test_heartbeat_monitor_probes_every_driver_periodically():
    drivers = [make_driver(kind) for kind in ("thermometer", "height_rod")]
    monitor = HeartbeatMonitor(drivers, period=0.02)
    monitor.start()
    time.sleep(0.15)
    monitor.stop()
    assert monitor.rounds >= 3
    assert all(d.status == Status.READY for d in drivers)


def test_heartbeat_monitor_can_open_the_drivers_itself_without_holding_up_the_caller():
    """``station run`` starts the monitor with open_first: the drivers are opened in its thread
    (a first probe may wait for a device's next frame), so start() returns at once."""
    drivers = [make_driver(kind) for kind in ("thermometer", "height_rod")]
    assert all(d.status == Status.CONNECTING for d in drivers)  # not opened yet
    monitor = HeartbeatMonitor(drivers, period=0.02)
    started = time.monotonic()
    monitor.start(open_first=True)
    returned_after = time.monotonic() - started
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(d.status == Status.READY for d in drivers):
        time.sleep(0.01)
    monitor.stop()
    assert returned_after < 0.05
    assert all(d.status == Status.READY for d in drivers)


def test_descriptor_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="drives scale"):
        driver_for("scale")(DeviceDescriptor(id="x", kind="thermometer", url="sim://scale"))
