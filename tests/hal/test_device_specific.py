"""Device-specific behaviour and fault profiles of HAL-A's devices, over sim://."""

from __future__ import annotations

import pytest

from hal.errors import DeviceFault
from hal.model import Status
from hal.protocols.receipt_printer import Receipt
from hal.sim import control
from hal.sim.pulse_oximeter import PulseOximeterSimulator
from hal.sim.scale import ScaleSimulator
from tests.hal.conftest import make_driver, sim_url


def fault_of(driver, operation=None):
    with pytest.raises(DeviceFault) as caught:
        (operation or driver.read)()
    return caught.value


# -- pulse oximeter ------------------------------------------------------------------------


def test_finger_out_reports_fault_and_no_reading():
    driver = make_driver("pulse_oximeter", sim_url("pulse_oximeter", "finger_out"))
    assert driver.open() == Status.READY  # an idle oximeter has no finger in it
    fault = fault_of(driver)
    assert fault.code == "finger_out" and "finger" in fault.reason
    assert driver.status == Status.READY


def test_probe_error_is_a_device_error():
    driver = make_driver("pulse_oximeter", sim_url("pulse_oximeter", "probe_error"))
    assert driver.open() == Status.ERROR
    assert fault_of(driver).code == "probe_error"
    assert driver.status == Status.ERROR and "probe" in driver.status_reason


def test_searching_frames_are_never_reported():
    sim = PulseOximeterSimulator("ok", {"search_s": 1.0})
    assert sim.sample_at(0.5).valid is False
    assert sim.sample_at(1.5).valid is True


def test_oximeter_simulator_streams_at_its_rate_from_an_injected_clock():
    sim = PulseOximeterSimulator("ok", {"rate": 60.0})
    sim.emit(100.0)
    assert len(sim.emit(101.0)) == 60 * 5
    assert sim.next_emit_at(101.0) == pytest.approx(101.0 + 1 / 60, abs=1e-6)


# -- blood pressure ------------------------------------------------------------------------


def test_cuff_error_reports_fault_and_no_reading():
    driver = make_driver("blood_pressure", sim_url("blood_pressure", "cuff_error"))
    driver.open()
    fault = fault_of(driver)
    assert fault.code == "cuff_error" and "cuff" in fault.reason
    assert driver.status == Status.READY


def test_kpa_device_is_reported_in_mm_hg():
    url = sim_url("blood_pressure", extra="unit=kpa&systolic=132&diastolic=85&pulse=64")
    driver = make_driver("blood_pressure", url)
    driver.open()
    values = driver.read().values
    assert values == {"systolic": 132, "diastolic": 85, "mean_arterial": 101, "pulse": 64}


def test_measurement_arrives_only_after_inflation():
    sim = control.simulator("sim://blood_pressure?inflate_s=20")
    from hal.protocols import blood_pressure as bp
    sim.receive(bp.encode_frame(bp.MSG_START), now=0.0)
    ack = sim.emit(0.0)
    assert bp.take_frame(ack)[0] == bp.Frame(bp.MSG_ACK, bytes([bp.MSG_START]))
    assert sim.emit(19.9) == b"" and sim.next_emit_at(19.9) == 20.0
    frame = bp.take_frame(sim.emit(20.0))[0]
    assert frame.type == bp.MSG_MEASUREMENT
    assert bp.decode_measurement(frame.payload).systolic == 120


# -- scale ---------------------------------------------------------------------------------


def test_only_stable_weight_is_accepted():
    sim = ScaleSimulator("ok", {"settle_s": 1.0, "weight": 60.0})
    assert sim.line_at(0.2).startswith(b"US,")
    driver = make_driver("scale", sim_url("scale", extra="settle_s=0.2&weight=60"))
    driver.open()
    assert driver.read().values == {"weight": 60.0}


def test_unstable_weight_until_the_deadline_is_a_fault_not_a_reading():
    driver = make_driver("scale", sim_url("scale", extra="settle_s=30"), measure_timeout=0.2)
    driver.open()
    assert fault_of(driver).code == "unstable"


def test_empty_scale_is_no_load():
    driver = make_driver("scale", sim_url("scale", extra="weight=0&settle_s=0"),
                         measure_timeout=0.1)
    driver.open()
    assert fault_of(driver).code == "no_load"


def test_overload_reports_fault_and_no_reading():
    driver = make_driver("scale", sim_url("scale", "overload"))
    assert driver.open() == Status.READY
    assert driver.status_reason == "overloaded"
    assert fault_of(driver).code == "overload"


# -- height rod, thermometer ---------------------------------------------------------------


def test_nobody_under_the_height_rod():
    driver = make_driver("height_rod", sim_url("height_rod", "no_target"))
    driver.open()
    assert fault_of(driver).code == "no_target"


def test_thermometer_out_of_range_and_fahrenheit_device():
    driver = make_driver("thermometer", sim_url("thermometer", "out_of_range"))
    driver.open()
    assert fault_of(driver).code == "out_of_range"
    fahrenheit = make_driver("thermometer", sim_url("thermometer", extra="unit=F&temperature=38.5"))
    fahrenheit.open()
    assert fahrenheit.read().values == {"body_temperature": 38.5}


def test_implausible_body_temperature_is_refused():
    driver = make_driver("thermometer", sim_url("thermometer", extra="temperature=25.0"))
    driver.open()
    assert fault_of(driver).code == "out_of_range"


# -- QR scanner ----------------------------------------------------------------------------


def test_scans_made_before_the_request_are_discarded():
    url = sim_url("qr_scanner", extra="every=0&suffix=crlf")
    driver = make_driver("qr_scanner", url, suffix="crlf", scan_timeout=0.3)
    driver.open()
    sim = control.simulator(url)
    sim.scan("stale")
    assert fault_of(driver).code == "nothing_scanned"


def test_scan_during_the_request_is_read():
    import threading
    url = sim_url("qr_scanner", extra="every=0")
    driver = make_driver("qr_scanner", url)
    driver.open()
    timer = threading.Timer(0.1, control.simulator(url).scan, args=("Mã hồ sơ 123",))
    timer.start()
    assert driver.read().values == {"code": "Mã hồ sơ 123"}
    timer.join()


# -- receipt printer -----------------------------------------------------------------------


def sample_receipt() -> Receipt:
    return (Receipt().line("UBND PHƯỜNG BẾN NGHÉ", bold=True, align="center")
            .line("Lệ phí chứng thực").line("Tổng cộng: 50.000 đ", bold=True)
            .qr("https://tramcongdan.vn/r/42", size=5, ecc="Q").feed(2).cut())


def test_printed_receipt_is_legible_vietnamese_with_its_qr_code():
    url = sim_url("receipt_printer")
    driver = make_driver("receipt_printer", url)
    driver.open()
    driver.print_receipt(sample_receipt())
    (printed,) = control.simulator(url).receipts
    assert "Tổng cộng: 50.000 đ" in printed.text.splitlines()
    assert printed.lines[0].text == "UBND PHƯỜNG BẾN NGHÉ"
    assert printed.lines[0].bold and printed.lines[0].align == 1
    (qr,) = printed.qr_codes
    assert (qr.data, qr.size, qr.ecc, qr.model) == (b"https://tramcongdan.vn/r/42", 5, 50, 50)


def test_printing_with_paper_out_raises_and_nothing_is_printed():
    url = sim_url("receipt_printer", "paper_out")
    driver = make_driver("receipt_printer", url)
    assert driver.open() == Status.NOT_READY
    assert "paper" in driver.status_reason
    fault = fault_of(driver, lambda: driver.print_receipt(sample_receipt()))
    assert fault.code == "paper_out"
    assert control.simulator(url).receipts == []
    assert driver.status == Status.NOT_READY


def test_paper_running_out_mid_receipt_is_not_reported_as_printed():
    url = sim_url("receipt_printer", extra="paper_lines=3&near_end_at=1")
    driver = make_driver("receipt_printer", url)
    driver.open()
    fault = fault_of(driver, lambda: driver.print_receipt(sample_receipt()))
    assert fault.code == "paper_out" and "incomplete" in fault.reason
    sim = control.simulator(url)
    assert sim.receipts == [] and len(sim.incomplete) == 1
    assert driver.heartbeat() == Status.NOT_READY
    sim.load_paper(1000)
    assert driver.heartbeat() == Status.READY
    driver.print_receipt(sample_receipt())
    assert len(sim.receipts) == 1


def test_paper_near_end_prints_and_says_so():
    url = sim_url("receipt_printer", "paper_near_end")
    driver = make_driver("receipt_printer", url)
    assert driver.open() == Status.READY
    assert driver.status_reason == "paper near end"
    driver.print_receipt(sample_receipt())
    assert (driver.status, driver.status_reason) == (Status.READY, "paper near end")
    assert driver.read().values == {"paper": "near_end"}


def test_a_balance_speaking_the_balance_format_is_read_through_the_driver():
    sim = ScaleSimulator("ok", {"format": "balance", "weight": 60.0, "settle_s": 0.0})
    assert sim.line_at(1.0) == b"ST,+60000.00  g\r\n"
    driver = make_driver("scale", sim_url("scale", extra="format=balance&settle_s=0.2&weight=60"))
    driver.open()
    assert driver.read().values == {"weight": 60.0}


# -- receipt printer without Vietnamese: the raster fallback (GS v 0) --------------------------


def test_a_printer_without_wpc1258_garbles_vietnamese_text():
    url = sim_url("receipt_printer", extra="code_pages=0,16")
    driver = make_driver("receipt_printer", url)
    driver.open()
    driver.print_receipt(sample_receipt())
    (printed,) = control.simulator(url).receipts
    assert "Tổng cộng: 50.000 đ" not in printed.text  # ESC t 52 ignored: the bytes print as cp437


def test_raster_mode_prints_each_vietnamese_line_as_an_image_the_printer_decodes():
    from hal.protocols.raster_text import render_line

    url = sim_url("receipt_printer", extra="code_pages=0,16")
    driver = make_driver("receipt_printer", url, text_mode="raster", raster_width=384)
    driver.open()
    driver.print_receipt(sample_receipt())
    (printed,) = control.simulator(url).receipts
    assert printed.text.strip() == "" and printed.qr_codes  # text as images; the QR code stays a command
    images = printed.raster_images
    assert len(images) == 3 and all(i.width_bytes == 48 for i in images)
    expected = render_line("Tổng cộng: 50.000 đ", width=384, bold=True)
    assert any(i.data == expected.data and i.height == expected.height for i in images)
    without_marks = render_line("Tong cong: 50.000 d", width=384, bold=True)
    assert expected.data != without_marks.data and expected.ink() > without_marks.ink()  # the diacritics are inked
    title = render_line("UBND PHƯỜNG BẾN NGHÉ", width=384, bold=True, align="center")
    assert images[0].data == title.data
    assert not any(images[0].pixel(x, y) for x in range(8) for y in range(images[0].height))  # centred


def test_an_unknown_text_mode_is_refused():
    driver = make_driver("receipt_printer", sim_url("receipt_printer"), text_mode="braille")
    driver.open()
    with pytest.raises(ValueError, match="text_mode"):
        driver.print_receipt(sample_receipt())
