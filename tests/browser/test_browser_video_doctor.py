"""Live video doctor in two real Chromium pages with the fake camera and microphone: the kiosk
receives the doctor's video and the doctor the kiosk's, the call is audited, consent comes first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, login_staff, login_with_vneid, run_axe

MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"]

RECEIVED_VIDEO = """() => {
  const v = document.getElementById('remote-video');
  const tracks = v && v.srcObject ? v.srcObject.getVideoTracks() : [];
  return tracks.length > 0 && tracks[0].readyState === 'live' && v.videoWidth > 0 && v.readyState >= 2;
}"""


@pytest.fixture(scope="module")
def media_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MEDIA_ARGS)
        yield launched
        launched.close()


def _tab(browser: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="vi-VN", has_touch=True)
    ctx.set_default_timeout(20_000)
    tab = ctx.new_page()
    tab.problems = []
    tab.on("console", lambda msg: tab.problems.append(msg.text)
           if msg.type == "error" and ("Content Security Policy" in msg.text or "Uncaught" in msg.text) else None)
    tab.on("pageerror", lambda exc: tab.problems.append(f"page error: {exc}"))
    return tab


def _video_audit(station: Any) -> list[str]:
    import json

    with station.app.app_context():
        return [json.loads(x)["action"] for x in station.app.extensions["station"].audit.export()
                if '"healthcare.video_call.' in x]


def test_kiosk_and_doctor_see_each_other_and_the_call_is_audited(media_browser, station):
    kiosk, doctor = _tab(media_browser), _tab(media_browser)
    try:
        login_with_vneid(kiosk, station.url, account=0)
        kiosk.goto(station.url + "/s/healthcare/tele")
        kiosk.tap("#video-now")
        kiosk.wait_for_selector("#video-consent")
        assert run_axe(kiosk) == []
        kiosk.tap("#video-agree")
        kiosk.wait_for_url(re.compile(r".*/tele/video/\d+$"))
        kiosk.wait_for_selector("#video-call[data-call-state=waiting]")
        assert _video_audit(station)[-1:] == ["healthcare.video_call.start"]

        login_staff(doctor, station.url)
        doctor.goto(station.url + "/s/healthcare/clinic")
        assert "mô phỏng" in doctor.inner_text("main").lower()
        doctor.click("ul.clinic-calls li:last-child button")
        doctor.wait_for_url(re.compile(r".*/clinic/calls/\d+$"))

        kiosk.wait_for_function(RECEIVED_VIDEO)     # the kiosk sees the doctor ...
        doctor.wait_for_function(RECEIVED_VIDEO)    # ... and the doctor sees the kiosk
        kiosk.wait_for_selector("#video-call[data-call-state=connected]")
        assert "Đã kết nối" in kiosk.inner_text("#call-status")
        kinds = kiosk.evaluate("() => document.getElementById('remote-video').srcObject.getTracks()"
                               ".map(t => t.kind).sort()")
        assert kinds == ["audio", "video"]
        width = kiosk.evaluate("() => document.getElementById('remote-video').videoWidth")
        assert width > 0
        assert run_axe(kiosk) == [] and run_axe(doctor) == []

        kiosk.tap("#end-call")
        kiosk.wait_for_url(re.compile(r".*/s/healthcare/tele$"))
        doctor.wait_for_selector("#video-call[data-call-state=ended]")
        assert _video_audit(station)[-3:] == ["healthcare.video_call.start", "healthcare.video_call.answer",
                                              "healthcare.video_call.end"]
        assert not kiosk.problems and not doctor.problems
    finally:
        kiosk.context.close()
        doctor.context.close()


def test_without_consent_no_call_starts_and_the_camera_stays_off(media_browser, station):
    kiosk = _tab(media_browser)
    try:
        login_with_vneid(kiosk, station.url, account=1)
        before = len(_video_audit(station))
        kiosk.goto(station.url + "/s/healthcare/tele/video")
        kiosk.tap("#video-decline")
        kiosk.wait_for_url(re.compile(r".*/s/healthcare/tele$"))
        assert kiosk.locator("video").count() == 0
        # a forged start without the consent value is refused on the page, in Vietnamese
        kiosk.goto(station.url + "/s/healthcare/tele/video")
        kiosk.evaluate("() => { const b = document.getElementById('video-agree'); b.removeAttribute('name'); }")
        kiosk.tap("#video-agree")
        kiosk.wait_for_selector("#video-refused")
        assert len(_video_audit(station)) == before
        assert kiosk.locator("video").count() == 0
    finally:
        kiosk.context.close()
