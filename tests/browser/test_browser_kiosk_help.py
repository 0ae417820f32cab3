"""Help on every kiosk page in a real browser: greeting by name, the idle overlay hiding the page
(opaque, content aria-hidden, nothing of it in a screenshot), the card reminder, "call staff"
reaching the console, and read-aloud playing a WAV without a CSP violation."""

from __future__ import annotations

import io
import re

import pytest
from browser_kit import IDLE_SECONDS, login_staff, place_card, run_axe
from PIL import Image


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="vi-VN", has_touch=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def test_greeting_then_idle_overlay_hides_personal_data_and_reminds_of_the_card(context, page, station):
    place_card(context, station.url, "0")
    try:
        page.goto(station.url + "/login/card")
        page.tap("#read-card")
        page.wait_for_url(re.compile(r".*/$"))
        assert page.inner_text("#greeting") == "Xin chào, Nguyễn Văn An"
        assert run_axe(page) == []
        box = page.locator("#greeting").bounding_box()
        page.wait_for_selector("#idle-overlay:not([hidden])", timeout=IDLE_SECONDS * 1000)
        overlay = page.evaluate("""() => {
            const o = document.getElementById('idle-overlay'), s = getComputedStyle(o), r = o.getBoundingClientRect();
            const g = document.getElementById('greeting').getBoundingClientRect();
            const top = document.elementFromPoint(g.x + 5, g.y + 5);
            return {bg: s.backgroundColor, opacity: s.opacity, w: r.width, h: r.height,
                    covered: o.contains(top), mainHidden: document.getElementById('main').getAttribute('aria-hidden'),
                    mainInert: document.getElementById('main').inert};
        }""")
        assert overlay["bg"] == "rgb(10, 12, 16)" and overlay["opacity"] == "1"  # opaque, not a tint
        assert overlay["w"] >= 1080 and overlay["h"] >= 1920 and overlay["covered"]
        assert overlay["mainHidden"] == "true" and overlay["mainInert"] is True
        assert page.is_visible("#idle-card-reminder")
        assert run_axe(page) == []
        # a screenshot of where the name was shows only the overlay's colour
        shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
        assert [colour for _, colour in shot.getcolors()] == [(10, 12, 16)]
        page.wait_for_selector("#card-reminder", timeout=(IDLE_SECONDS + 5) * 1000)
        assert "Nhớ lấy thẻ căn cước" in page.inner_text("#card-reminder")
        assert page.locator("#greeting").count() == 0
    finally:
        place_card(context, station.url, "none")
    assert not page.problems


def test_call_staff_shows_the_confirmation_in_place_and_the_console_lists_the_alert(browser, page, station):
    page.goto(station.url + "/s/healthcare/")
    page.tap("#help-call")
    page.wait_for_selector("#help-status:not([hidden])")
    assert page.inner_text("#help-status") == "Nhân viên đã được báo, vui lòng chờ tại trạm."
    assert "/login" in page.url or "/s/healthcare" in page.url  # stayed where the citizen was
    console = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="vi-VN")
    try:
        staff = console.new_page()
        login_staff(staff, station.url)
        assert int(staff.inner_text("#alert-badge")) >= 1
        staff.click("#nav-alerts")
        assert "cần nhân viên hỗ trợ" in staff.inner_text("main")
    finally:
        console.close()
    assert not page.problems


def test_read_aloud_plays_the_pages_instructions(page, station):
    page.goto(station.url + "/")
    with page.expect_response(lambda r: r.url.endswith("/speech")) as answer:
        page.tap("#read-aloud")
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) > 10_000
    sent = response.request.post_data_json
    assert sent["lang"] == "vi" and sent["text"].startswith("Xin chào! Bạn cần làm gì hôm nay?")
    assert "Chọn một dịch vụ" in sent["text"] or "Hãy chọn" in sent["text"]
    page.wait_for_function("() => document.getElementById('read-aloud').getAttribute('aria-pressed') === 'true'")
    assert not page.problems  # the blob: audio is allowed by the CSP
