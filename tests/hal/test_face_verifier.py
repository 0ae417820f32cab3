"""Face verifier: protocol vectors and fuzzing, the driver against its simulator (every
profile, the common faults, unplug + replug) and over a pseudo-terminal."""

from __future__ import annotations

import os
import random
import secrets
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.drivers import driver_for
from hal.drivers.face_verifier import FaceMatch
from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.protocols import face_verifier as fv
from hal.sim import control, simulator_for
from hal.sim.citizens import PLACEHOLDER_PORTRAIT_JPEG

FAST_SIM = "capture_s=0.05"
FAST_DRIVER = {"answer_timeout": 0.3, "capture_timeout": 1.0}


def url(profile: str = "ok", extra: str = "") -> str:
    query = "&".join(q for q in (f"profile={profile}", FAST_SIM, extra,
                                  f"instance={secrets.token_hex(4)}") if q)
    return f"sim://face_verifier?{query}"


def driver(sim_url: str | None = None, **options):
    descriptor = DeviceDescriptor("face-1", "face_verifier", sim_url or url(),
                                  options={**FAST_DRIVER, **options})
    return driver_for("face_verifier")(descriptor)


def big_jpeg(size: int = 5000) -> bytes:
    body = random.Random(7).randbytes(size - 4)
    return fv.JPEG_SOI + body + fv.JPEG_EOI


@pytest.fixture(autouse=True)
def fresh_simulators():
    control.forget_all()
    yield
    control.forget_all()


# -- protocol ----------------------------------------------------------------------------


def test_crc_check_value_and_golden_status_frame():
    assert fv.crc16_ccitt_false(b"123456789") == 0x29B1
    frame = fv.encode_frame(fv.MSG_STATUS_REQUEST)
    assert frame[:4] == bytes.fromhex("02 01 0000")
    assert frame[4:] == struct.pack(">H", fv.crc16_ccitt_false(bytes.fromhex("01 0000")))
    assert fv.take_frame(frame) == (fv.Frame(fv.MSG_STATUS_REQUEST, b""), len(frame), 0)


def test_result_frame_round_trips_and_out_of_range_scores_are_refused():
    payload = fv.encode_result(fv.VerifyResult(fv.OUTCOME_COMPARED, 87, True))
    assert payload == bytes([0, 87, 1])
    assert fv.decode_result(payload) == fv.VerifyResult(0, 87, True)
    for bad in (bytes([0, 101, 1]), bytes([9, 50, 1]), bytes([0, 50, 2]), b"\x00\x01"):
        with pytest.raises(ProtocolError):
            fv.decode_result(bad)


def test_reference_is_cut_into_in_order_chunks_that_reassemble():
    image = big_jpeg(3000)
    chunks = fv.reference_chunks(image)
    assert len(chunks) == 3 and all(len(c) <= fv.MAX_PAYLOAD for c in chunks)
    offsets = [fv.decode_ref_chunk(c)[0] for c in chunks]
    assert offsets == [0, fv.MAX_CHUNK, 2 * fv.MAX_CHUNK]
    assert b"".join(fv.decode_ref_chunk(c)[1] for c in chunks) == image


def test_noise_before_a_frame_is_skipped_and_a_bad_crc_is_a_bad_frame():
    frame = fv.encode_frame(fv.MSG_ACK, b"\x05")
    assert fv.take_frame(b"\xff\x00" + frame) == (fv.Frame(fv.MSG_ACK, b"\x05"), len(frame) + 2, 2)
    assert fv.take_frame(frame[:5]) == (None, 0, 0)
    with pytest.raises(fv.BadFrame) as caught:
        fv.take_frame(frame[:-1] + bytes([frame[-1] ^ 1]))
    assert caught.value.consumed == len(frame)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_only_frames_or_protocol_errors(data):
    while data:
        try:
            frame, consumed, _ = fv.take_frame(data)
        except fv.BadFrame as exc:
            assert isinstance(exc, ProtocolError) and exc.consumed > 0
            data = data[exc.consumed:]
            continue
        if frame is None:
            break
        for decode in (fv.decode_result, fv.decode_ref_begin, fv.decode_ref_chunk):
            try:
                decode(frame.payload)
            except ProtocolError:
                pass
        data = data[consumed:]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=fv.MAX_PAYLOAD))
def test_any_frame_round_trips(msg_type, payload):
    wire = fv.encode_frame(msg_type, payload)
    assert fv.take_frame(wire) == (fv.Frame(msg_type, payload), len(wire), 0)


# -- driver and simulator ----------------------------------------------------------------


def test_kind_has_a_driver_and_a_simulator():
    assert driver_for(DeviceKind.face_verifier).__name__ == "FaceVerifierDriver"
    assert simulator_for("face_verifier").all_profiles() >= {"match", "mismatch", "no_face", "spoof",
                                                             "ok", "unplug", "garbage",
                                                             "bad_checksum", "timeout"}


@pytest.mark.parametrize("profile, score, live", [
    ("ok", 93, True), ("match", 93, True), ("mismatch", 21, True), ("spoof", 90, False),
])
def test_verify_reports_the_score_and_liveness_of_the_profile(profile, score, live):
    d = driver(url(profile))
    assert d.open() == Status.READY, d.status_reason
    match = d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    assert isinstance(match, FaceMatch)
    assert (match.score, match.live, match.device_id) == (score, live, "face-1")
    assert match.taken_at.tzinfo is not None and d.status == Status.READY


def test_scores_are_configurable_for_threshold_tests():
    d = driver(url("match", "match_score=80"))
    assert d.verify(PLACEHOLDER_PORTRAIT_JPEG).score == 80


def test_a_multi_chunk_reference_arrives_whole_at_the_device():
    sim_url = url("match")
    image = big_jpeg(5000)
    driver(sim_url).verify(image)
    assert control.simulator(sim_url).references == [image]


def test_no_face_is_a_fault_that_leaves_the_device_ready():
    d = driver(url("no_face"))
    with pytest.raises(DeviceFault) as caught:
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    assert caught.value.code == "no_face" and "camera" in caught.value.reason
    assert d.status == Status.READY


def test_a_reference_that_is_not_a_jpeg_is_refused_by_the_device():
    d = driver()
    with pytest.raises(DeviceFault) as caught:
        d.verify(b"GIF89a not a portrait")
    assert caught.value.code == "bad_reference"


def test_an_oversized_reference_is_refused_before_anything_is_sent():
    sim_url = url()
    with pytest.raises(DeviceFault) as caught:
        driver(sim_url).verify(big_jpeg(fv.MAX_REFERENCE + 10))
    assert caught.value.code == "bad_reference"
    assert control.simulator(sim_url).references == []


@pytest.mark.parametrize("profile", ["garbage", "bad_checksum"])
def test_corrupted_answers_are_a_protocol_error_never_a_score(profile):
    d = driver(url(profile))
    d.open()
    assert d.status == Status.ERROR and d.status_reason.startswith("protocol error")
    with pytest.raises(ProtocolError):
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    assert d.status == Status.ERROR


def test_silent_device_times_out_and_is_not_ready():
    d = driver(url("timeout"))
    assert d.open() == Status.NOT_READY and d.status_reason == "not answering"
    with pytest.raises(DeviceTimeout):
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    assert d.status == Status.NOT_READY


def test_unplug_during_capture_then_replug_comes_back_without_restart():
    sim_url = url("unplug")
    d = driver(sim_url)
    assert d.open() == Status.READY
    with pytest.raises(DeviceNotReady):
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    assert d.status == Status.NOT_READY and d.status_reason.startswith("unplugged")
    assert d.heartbeat() == Status.NOT_READY
    control.replug(sim_url)
    assert d.heartbeat() == Status.READY
    assert d.verify(PLACEHOLDER_PORTRAIT_JPEG).score == 93


def test_capture_that_never_finishes_times_out_and_is_aborted():
    sim_url = url("match", "capture_s=5")
    d = driver(sim_url)
    with pytest.raises(DeviceTimeout):
        d.verify(PLACEHOLDER_PORTRAIT_JPEG, timeout=0.2)
    sim = control.simulator(sim_url)
    assert not sim._capturing()  # the driver's ABORT stopped the capture


def test_a_second_caller_during_a_capture_is_busy():
    import threading

    sim_url = url("match", "capture_s=0.4")
    d = driver(sim_url)
    d.open()
    errors: list[Exception] = []
    started = threading.Event()

    def first():
        started.set()
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    for _ in range(50):
        if d.status == Status.BUSY:
            break
        threading.Event().wait(0.01)
    try:
        d.verify(PLACEHOLDER_PORTRAIT_JPEG)
    except DeviceBusy as exc:
        errors.append(exc)
    thread.join()
    assert errors and d.status == Status.READY


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_verify_through_a_pseudo_terminal(pty_sim):
    sim = pty_sim("face_verifier", "mismatch", [FAST_SIM])
    descriptor = DeviceDescriptor("face-pty", "face_verifier", sim.path, options=FAST_DRIVER)
    d = driver_for("face_verifier")(descriptor)
    assert d.open() == Status.READY, d.status_reason
    match = d.verify(big_jpeg(2500))
    assert (match.score, match.live) == (21, True)
    d.close()
