"""The kiosk camera (VC0706 serial JPEG camera): golden bytes from the VC0706 protocol document
(and the LS-Y201 / PTC06 manuals built on it), the driver against the faithful simulator over
sim:// and a pseudo-terminal, the fault profiles, and a driver bug the simulator catches."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.drivers import driver_for
from hal.drivers.camera import CameraDriver
from hal.errors import DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.protocols import vc0706
from hal.sim import control
from hal.sim.camera import simulated_photo_jpeg

FAST_QUERY = "capture_s=0.01"
FAST_OPTIONS = {"answer_timeout": 0.3, "capture_timeout": 0.3}


def url(profile: str = "ok") -> str:
    return f"sim://camera?profile={profile}&{FAST_QUERY}"


def camera(address: str | None = None, cls: type[CameraDriver] | None = None, **options) -> CameraDriver:
    descriptor = DeviceDescriptor(id="camera-1", kind="camera", url=address or url(),
                                  options={**FAST_OPTIONS, **options})
    return (cls or driver_for("camera"))(descriptor)


# -- golden bytes ----------------------------------------------------------------------------

def test_commands_are_the_protocol_documents_bytes():
    assert vc0706.TAKE_PICTURE == bytes.fromhex("56 00 36 01 00")
    assert vc0706.RESUME == bytes.fromhex("56 00 36 01 03")
    assert vc0706.GET_LENGTH == bytes.fromhex("56 00 34 01 00")
    assert vc0706.GET_VERSION == bytes.fromhex("56 00 11 00")
    # READ_FBUF: current frame, MCU mode, address 0, 1024 bytes, interval 00 0A (× 0.01 ms)
    assert vc0706.read_frame(0, 1024) == bytes.fromhex("56 00 32 0C 00 0A 00 00 00 00 00 00 04 00 00 0A")
    assert vc0706.read_frame(0x1234, 8) == bytes.fromhex("56 00 32 0C 00 0A 00 00 12 34 00 00 00 08 00 0A")


def test_answers_are_the_protocol_documents_bytes():
    assert vc0706.encode_answer(vc0706.CMD_FBUF_CTRL) == bytes.fromhex("76 00 36 00 00")
    assert vc0706.encode_length(7356) == bytes.fromhex("76 00 34 00 04 00 00 1C BC")
    assert vc0706.frame_data_marker() == bytes.fromhex("76 00 32 00 00")
    answer, consumed, skipped = vc0706.take_answer(bytes.fromhex("76 00 34 00 04 00 00 1C BC"))
    assert (vc0706.decode_length(answer), consumed, skipped) == (7356, 9, 0)
    assert vc0706.decode_version(vc0706.take_answer(vc0706.encode_version("VC0703 1.00"))[0]) == "VC0703 1.00"


def test_noise_before_an_answer_is_skipped_and_counted_as_garbage():
    buffer = b"\x76\x01\x02" + bytes.fromhex("76 00 36 00 00")
    answer, consumed, skipped = vc0706.take_answer(buffer)
    assert answer == vc0706.Answer(0, vc0706.CMD_FBUF_CTRL, 0, b"") and (consumed, skipped) == (8, 3)
    assert vc0706.take_answer(bytes.fromhex("76 00 34 00"))[0] is None  # incomplete: wait for more


@pytest.mark.parametrize("data, length, message", [
    (b"\xff\xd8abc\xff\xd9", 8, "announced"),
    (b"abcd\xff\xd9", 6, "start-of-image"),
    (b"\xff\xd8abcd", 6, "end-of-image"),
])
def test_a_picture_that_is_not_one_whole_jpeg_of_the_announced_length_is_refused(data, length, message):
    with pytest.raises(ProtocolError, match=message):
        vc0706.check_jpeg(data, length)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_decoding_random_bytes_never_raises_anything_but_protocol_error(data):
    answer, consumed, skipped = vc0706.take_answer(data)
    assert 0 <= skipped <= consumed <= len(data)
    if answer is not None:
        for decode in (vc0706.decode_length, vc0706.decode_version):
            try:
                decode(answer)
            except ProtocolError:
                pass
    command, used = vc0706.take_command(data)
    assert 0 <= used <= len(data)
    try:
        vc0706.check_jpeg(data, len(data))
    except ProtocolError:
        pass


# -- driver against the simulator -----------------------------------------------------------

def test_the_camera_takes_a_real_jpeg_that_says_it_is_simulated():
    from PIL import Image

    driver = camera()
    assert DeviceKind("camera") is DeviceKind.camera
    assert driver.open() == Status.READY, driver.status_reason
    reading = driver.read()
    content = reading.values["content"]
    assert reading.values["format"] == "jpeg" and reading.values["mime_type"] == "image/jpeg"
    assert reading.values["size"] == len(content) > 1024  # several READ_FBUF blocks
    assert content == simulated_photo_jpeg(1)
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and image.size == (320, 240)
    assert driver.status == Status.READY
    sim = control.simulator(url())
    assert sim.pictures_taken == 1 and sim.frozen is None  # live view resumed after the picture
    assert driver.read().values["content"] == simulated_photo_jpeg(2) != content  # a fresh picture


def test_the_simulated_photo_carries_the_simulation_label():
    from PIL import Image

    image = Image.open(io.BytesIO(simulated_photo_jpeg(1))).convert("RGB")
    # the label is drawn in red on a white band across the middle: a real photo has neither
    band = [image.getpixel((x, 120 - 14)) for x in range(0, 320, 2)]
    assert any(r > 140 and g < 80 and b < 80 for r, g, b in band)
    assert image.getpixel((4, 120)) == pytest.approx((255, 255, 255), abs=12)


@pytest.mark.parametrize("profile", ["garbage", "bad_checksum"])
def test_corrupted_answers_are_a_protocol_error_never_a_picture(profile):
    driver = camera(url(profile))
    driver.open()
    assert driver.status == Status.ERROR and driver.status_reason.startswith("protocol error")
    with pytest.raises(ProtocolError):
        driver.read()
    assert driver.status == Status.ERROR


def test_a_byte_lost_in_the_picture_data_is_caught_by_the_trailing_header():
    driver = camera()
    assert driver.open() == Status.READY
    control.set_profile(url(), "bad_checksum")  # only the picture data is damaged from now on
    sim = control.simulator(url())
    sim.break_checksum = lambda data: (data[:40] + data[41:]) if len(data) > 100 else data
    with pytest.raises(ProtocolError):
        driver.read()


def test_silent_camera_is_not_ready_not_answering():
    driver = camera(url("timeout"))
    assert driver.open() == Status.NOT_READY and driver.status_reason == "not answering"
    with pytest.raises(DeviceTimeout):
        driver.read()


def test_unplug_mid_picture_is_not_ready_and_replug_works_without_restart():
    driver = camera(url("unplug"))
    assert driver.open() == Status.READY
    with pytest.raises(DeviceNotReady, match="unplugged"):
        driver.read()
    assert driver.status == Status.NOT_READY and driver.heartbeat() == Status.NOT_READY
    control.replug(url("unplug"))
    assert driver.heartbeat() == Status.READY
    assert driver.read().values["content"].startswith(vc0706.JPEG_SOI)


def test_a_camera_that_cannot_take_the_picture_now_is_a_retryable_fault_and_stays_ready():
    driver = camera(url("capture_error"))
    assert driver.open() == Status.READY
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "capture_failed" and driver.status == Status.READY


def test_one_operation_at_a_time():
    from hal.errors import DeviceBusy

    driver = camera()
    driver.open()
    with driver._session(), pytest.raises(DeviceBusy):
        driver.read()


# -- a driver bug shows up against the simulator -------------------------------------------

class OffByOneCamera(CameraDriver):
    """A plausible bug: the frame length taken as "last address" (one short)."""

    def _frame_length(self, port):
        return super()._frame_length(port) - 1


class TwoByteLengthCamera(CameraDriver):
    """Another: the length read as the 2 bytes "XH XL" of some module manuals, from the wrong
    offset of the 4-byte answer (the high half: 0 for a small picture)."""

    def _frame_length(self, port):
        answer = self._request(port, vc0706.GET_LENGTH, vc0706.CMD_GET_FBUF_LEN)
        return int.from_bytes(answer.data[:2], "big")


def test_a_driver_that_reads_the_length_one_short_gets_an_error_not_a_truncated_picture():
    driver = camera(cls=OffByOneCamera)
    driver.open()
    with pytest.raises(ProtocolError, match="end-of-image"):
        driver.read()
    assert control.simulator(url()).frozen is None  # it still resumed live view


def test_a_driver_that_misreads_the_length_answer_gets_no_picture():
    driver = camera(cls=TwoByteLengthCamera)
    driver.open()
    with pytest.raises(DeviceFault) as caught:
        driver.read()
    assert caught.value.code == "no_image"


# -- out of process, on a pseudo-terminal ----------------------------------------------------

def test_the_camera_reads_through_a_pseudo_terminal(pty_sim):
    sim = pty_sim("camera", options=["capture_s=0.01"])
    driver = camera(sim.path, answer_timeout=1.0)
    assert driver.open() == Status.READY, driver.status_reason
    assert driver.read().values["content"] == simulated_photo_jpeg(1)
    driver.close()
