"""Drivers against simulators running out of process behind a pseudo-terminal
(``python -m hal.sim``), exactly as against hardware on a tty."""

from __future__ import annotations

import time

import pytest

from hal.model import Status
from hal.protocols.receipt_printer import Receipt
from tests.hal.conftest import MY_KINDS, make_driver, pty_options
from tests.hal.test_device_faults import EXPECTED


@pytest.mark.parametrize("kind", MY_KINDS)
def test_driver_reads_through_a_pseudo_terminal(kind, pty_sim):
    sim = pty_sim(kind, options=pty_options(kind))
    assert sim.path.startswith("/dev/")
    driver = make_driver(kind, url=sim.path)
    assert driver.open() == Status.READY, driver.status_reason
    if kind == "receipt_printer":
        driver.print_receipt(Receipt().line("Tổng cộng").cut())
    assert driver.read().values == EXPECTED[kind]
    driver.close()


def wait_for_status(driver, wanted, seconds=3.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if driver.heartbeat() == wanted:
            return True
        time.sleep(0.05)
    return False


def test_unplug_and_replug_over_a_stable_by_id_style_link(pty_sim, tmp_path):
    link = tmp_path / "usb-scale"
    sim = pty_sim("scale", options=pty_options("scale"), link=link)
    assert sim.path == str(link)
    driver = make_driver("scale", url=str(link))
    assert driver.open() == Status.READY
    sim.unplug()
    assert wait_for_status(driver, Status.NOT_READY)
    assert driver.status_reason.startswith(("unplugged", "not answering"))
    sim.replug()
    assert wait_for_status(driver, Status.READY)
    assert driver.read().values == {"weight": 72.5}


def test_garbage_over_a_pseudo_terminal_is_an_error_status(pty_sim):
    sim = pty_sim("thermometer", profile="garbage", options=pty_options("thermometer"))
    driver = make_driver("thermometer", url=sim.path)
    assert driver.open() == Status.ERROR
    assert driver.status_reason.startswith("protocol error")
