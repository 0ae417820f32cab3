"""Document scanner: the framed protocol (golden vectors, fuzzing) and the driver against its
simulator over sim:// and a pseudo-terminal — pages, faults, and never a damaged page."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.drivers import driver_for
from hal.errors import DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.protocols import document_scanner as ds
from hal.sim import control, simulator_for
from hal.sim.document_scanner import generated_page_jpeg, generated_page_pdf

FAST_SIM = "scan_s=0.05"
FAST_DRIVER = {"scan_timeout": 1.0, "answer_timeout": 0.3}


def scanner_url(profile: str = "ok", instance: str = "a", extra: str = "") -> str:
    query = "&".join(q for q in (f"profile={profile}", FAST_SIM, f"instance={instance}", extra) if q)
    return f"sim://document_scanner?{query}"


def make_scanner(url: str | None = None, **options):
    descriptor = DeviceDescriptor(id="scanner-1", kind="document_scanner", url=url or scanner_url(),
                                  options={**FAST_DRIVER, **options})
    return driver_for("document_scanner")(descriptor)


@pytest.fixture(autouse=True)
def fresh_simulators():
    control.forget_all()
    yield
    control.forget_all()


# -- protocol --------------------------------------------------------------------------------

def test_crc16_check_value_and_golden_status_frame():
    assert ds.crc16_ccitt_false(b"123456789") == 0x29B1
    frame = ds.encode_frame(ds.MSG_STATUS_REQUEST, 7)
    assert frame[:5] == bytes.fromhex("02 01 07 0000")
    assert frame[5:] == struct.pack(">H", ds.crc16_ccitt_false(bytes.fromhex("01 07 0000")))
    assert ds.take_frame(frame) == (ds.Frame(ds.MSG_STATUS_REQUEST, 7, b""), len(frame), 0)


def test_golden_scan_read_and_page_payloads():
    assert ds.encode_scan("pdf", 300) == bytes.fromhex("02 012C")
    assert ds.decode_scan(bytes.fromhex("01 00C8")) == ("jpeg", 200)
    assert ds.encode_read(2048, 1024) == bytes.fromhex("00000800 0400")
    info = ds.PageInfo("jpeg", 5, zlib.crc32(b"hello"))
    assert ds.encode_page_info(info) == bytes.fromhex("01 00000005") + struct.pack(">I", 0x3610A686)
    assert ds.decode_page_info(ds.encode_page_info(info)) == info
    assert ds.decode_data(ds.encode_data(16, b"abc")) == (16, b"abc")


def test_page_check_refuses_a_wrong_length_or_crc():
    info = ds.PageInfo("pdf", 5, ds.page_crc32(b"hello"))
    assert ds.check_page(info, b"hello") == b"hello"
    with pytest.raises(ProtocolError, match="length"):
        ds.check_page(info, b"hell")
    with pytest.raises(ProtocolError, match="CRC-32"):
        ds.check_page(info, b"jello")


def test_garbage_before_a_frame_is_skipped_and_a_bad_crc_is_an_error():
    frame = ds.encode_frame(ds.MSG_ACK, 1, b"\x02")
    parsed, consumed, skipped = ds.take_frame(b"\xff\x00" + frame)
    assert parsed == ds.Frame(ds.MSG_ACK, 1, b"\x02") and skipped == 2 and consumed == len(frame) + 2
    with pytest.raises(ProtocolError) as caught:
        ds.take_frame(frame[:-1] + bytes([frame[-1] ^ 1]))
    assert caught.value.consumed == len(frame)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decoders_raise_only_protocol_errors_on_random_bytes(data):
    for decode in (ds.take_frame, ds.decode_scan, ds.decode_read, ds.decode_page_info, ds.decode_data,
                   ds.decode_codes):
        try:
            decode(data)
        except ProtocolError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(ds.KNOWN_TYPES)), st.integers(0, 255), st.binary(max_size=ds.MAX_PAYLOAD))
def test_frames_round_trip(msg_type, seq, payload):
    frame = ds.encode_frame(msg_type, seq, payload)
    assert ds.take_frame(frame + b"\x02") == (ds.Frame(msg_type, seq, payload), len(frame), 0)


# -- generated test pages -----------------------------------------------------------------------

def test_generated_pages_are_wellformed_jpeg_and_pdf_and_differ_by_seed():
    jpeg = generated_page_jpeg(1)
    assert jpeg[:3] == b"\xff\xd8\xff" and jpeg.endswith(b"\xff\xd9")
    assert jpeg != generated_page_jpeg(2)
    pdf = generated_page_pdf(seed=1)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:xref + 4] == b"xref"


def test_generated_jpeg_decodes_with_an_independent_decoder():
    image_module = pytest.importorskip("PIL.Image")
    image = image_module.open(io.BytesIO(generated_page_jpeg(5)))
    image.load()
    assert image.size == (400, 560) and image.mode == "L"
    assert image.getpixel((200, 300)) > 200 and image.getpixel((2, 2)) < 60  # paper, border


# -- driver against the simulator -----------------------------------------------------------------

def test_kind_has_a_driver_and_a_simulator_with_the_common_and_own_profiles():
    assert DeviceKind("document_scanner") is DeviceKind.document_scanner
    assert simulator_for("document_scanner").all_profiles() >= {
        "ok", "unplug", "garbage", "bad_checksum", "timeout", "no_document", "paper_jam"}


@pytest.mark.parametrize("image_format", ["jpeg", "pdf"])
def test_scan_returns_the_simulated_page_verified_by_length_and_crc(image_format):
    url = scanner_url()
    driver = make_scanner(url, format=image_format, block_size=700)
    assert driver.open() == Status.READY and driver.status_reason == "document ready"
    reading = driver.read()
    sim = control.simulator(url)
    assert reading.values["format"] == image_format
    assert reading.values["mime_type"] == {"jpeg": "image/jpeg", "pdf": "application/pdf"}[image_format]
    content = reading.values["content"]
    assert reading.values["size"] == len(content) > 700  # more than one block
    assert content[:4] in (b"\xff\xd8\xff\xe0", b"%PDF")
    assert sim.scans == 1 and sim._page is None  # released after the transfer
    assert driver.status == Status.READY and reading.units == {}


def test_format_can_be_chosen_per_scan():
    driver = make_scanner()
    driver.open()
    assert driver.read(image_format="pdf").values["content"].startswith(b"%PDF")


def test_empty_glass_is_no_document_and_the_scanner_stays_ready():
    url = scanner_url("no_document")
    driver = make_scanner(url)
    assert driver.open() == Status.READY and driver.status_reason == "no document"
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "no_document" and "place the page" in caught.value.reason
    assert driver.status == Status.READY
    control.simulator(url).place_document()
    assert driver.read().values["size"] > 0


def test_paper_jam_is_not_ready_until_cleared_and_the_heartbeat_sees_it_go():
    url = scanner_url("paper_jam")
    driver = make_scanner(url)
    assert driver.open() == Status.NOT_READY and "jammed" in driver.status_reason
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "paper_jam" and driver.status == Status.NOT_READY
    control.simulator(url).clear_jam()
    assert driver.heartbeat() == Status.READY
    assert driver.read().values["format"] == "jpeg"


@pytest.mark.parametrize("profile", ["garbage", "bad_checksum"])
def test_corrupted_answers_are_a_protocol_error_never_a_page(profile):
    driver = make_scanner(scanner_url(profile))
    driver.open()
    assert driver.status == Status.ERROR and driver.status_reason.startswith("protocol error")
    with pytest.raises(ProtocolError):
        driver.read()
    assert driver.status == Status.ERROR


def test_a_page_damaged_in_transfer_is_refused(monkeypatch):
    url = scanner_url()
    driver = make_scanner(url)
    driver.open()
    sim = control.simulator(url)
    real_handle = sim._handle

    def corrupt_data(frame):
        if frame.type == ds.MSG_READ and sim._page is not None and sim.now >= sim._ready_at:
            sim._page = sim._page[:40] + bytes([sim._page[40] ^ 0x10]) + sim._page[41:]
        real_handle(frame)

    monkeypatch.setattr(sim, "_handle", corrupt_data)
    with pytest.raises(ProtocolError, match="CRC-32"):
        driver.read()


def test_silent_scanner_is_not_ready_not_answering():
    driver = make_scanner(scanner_url("timeout"))
    assert driver.open() == Status.NOT_READY and driver.status_reason == "not answering"
    with pytest.raises(DeviceTimeout):
        driver.read()


def test_unplug_mid_scan_is_not_ready_and_replug_works_without_restart():
    url = scanner_url("unplug")
    driver = make_scanner(url)
    assert driver.open() == Status.READY
    with pytest.raises((DeviceNotReady, DeviceTimeout)):
        driver.read()
    assert driver.status == Status.NOT_READY
    control.replug(url)
    assert driver.heartbeat() == Status.READY
    assert driver.read().values["size"] > 0


def test_scanner_reads_through_a_pseudo_terminal(pty_sim):
    sim = pty_sim("document_scanner", options=["scan_s=0.05"])
    driver = make_scanner(sim.path, format="pdf")
    assert driver.open() == Status.READY, driver.status_reason
    assert driver.read().values["content"].startswith(b"%PDF")


# -- barcode recognition (CODES, protocol 1.1) --------------------------------------------------

def test_golden_codes_payload_and_round_trip():
    payload = ds.encode_codes([ds.Code("qr", b"79013HT90DAY-c"), ds.Code("code128", b"12")])
    assert payload.hex() == "02" + "01000e" + b"79013HT90DAY-c".hex() + "030002" + b"12".hex()
    assert ds.decode_codes(payload) == [ds.Code("qr", b"79013HT90DAY-c"), ds.Code("code128", b"12")]
    assert ds.decode_codes(b"\x00") == []
    for bad in (b"", b"\x01", b"\x01\x09\x00\x01a", b"\x01\x01\x00\x05ab", b"\x00extra"):
        with pytest.raises(ProtocolError):
            ds.decode_codes(bad)


def test_the_scanner_reads_the_qr_code_printed_on_the_document():
    url = scanner_url()
    driver = make_scanner(url)
    driver.open()
    control.simulator(url).place_document(codes=[ds.Code("qr", b"79013HT90DAY-c")])
    reading = driver.read_codes()
    assert reading.values["codes"] == [{"symbology": "qr", "text": "79013HT90DAY-c"}]
    assert reading.values["size"] > 0 and control.simulator(url)._page is None   # released
    control.simulator(url).place_document()                                     # a page without codes
    assert driver.read_codes().values["codes"] == []


def test_the_qr_option_puts_a_coded_document_on_the_glass_and_no_document_is_a_fault():
    url = scanner_url(extra="qr=01013AB12CD3-c")
    driver = make_scanner(url)
    driver.open()
    assert driver.read_codes().values["codes"][0]["text"] == "01013AB12CD3-c"
    control.simulator(url).remove_document()
    with pytest.raises(DeviceFault) as caught:
        driver.read_codes()
    assert caught.value.code == "no_document"


def test_a_scanner_without_recognition_says_so(monkeypatch):
    from hal.sim.document_scanner import DocumentScannerSimulator

    original = DocumentScannerSimulator._handle

    def old_firmware(self, frame):
        if frame.type == ds.MSG_CODES_REQUEST:
            return self.send(ds.encode_frame(ds.MSG_ERROR, frame.seq, bytes([ds.ERR_UNKNOWN_TYPE])))
        return original(self, frame)

    monkeypatch.setattr(DocumentScannerSimulator, "_handle", old_firmware)
    driver = make_scanner()
    driver.open()
    with pytest.raises(DeviceFault) as caught:
        driver.read_codes()
    assert caught.value.code == "codes_unsupported"
