"""The kiosk in a real browser: languages, both logins, idle logout, keypad, display modes,
both orientations."""

from __future__ import annotations

import json
import re

import pytest
from browser_kit import ARTIFACTS, IDLE_SECONDS, finish, login_with_vneid, place_card

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def test_home_is_vietnamese_by_default_and_english_is_one_tap_away(page, station):
    page.goto(station.url + "/")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.inner_text("h1") == "Xin chào! Bạn cần làm gì hôm nay?"
    assert page.locator("a.tile").count() == 6
    assert page.locator("section.category").count() == 6
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("h1") == "Hello! What would you like to do today?"
    assert "Healthcare" in page.inner_text("#cat-healthcare h2")
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=vi]")
    assert not page.problems


def test_card_login_through_the_simulated_reader_then_a_service_then_finish(context, page, station):
    place_card(context, station.url, "0")
    try:
        page.goto(station.url + "/")
        page.click("#login-link")
        page.click("#login-card")
        page.click("#read-card")
        page.wait_for_url(re.compile(r".*/$"))
        assert page.is_visible("#my-data-link")
        page.click("a.tile[data-plugin=healthcare]")
        page.wait_for_url(re.compile(r".*/s/healthcare/.*"))
        assert page.locator("main h1").count() >= 1
        finish(page)
        assert page.is_visible("#login-link") and not page.is_visible("#my-data-link")
    finally:
        place_card(context, station.url, "none")
    assert not page.problems


def test_vneid_login_is_approved_on_the_simulated_phone_in_a_second_tab(page, station):
    login_with_vneid(page, station.url, account=1)
    assert page.is_visible("#my-data-link")
    finish(page)


def test_idle_countdown_appears_then_logs_out_and_back_shows_no_personal_page(page, station):
    login_with_vneid(page, station.url, account=0)
    page.click("#my-data-link")
    page.wait_for_url(re.compile(r".*/my-data.*"))
    my_data_url = page.url
    page.wait_for_selector("#idle-overlay:not([hidden])", timeout=IDLE_SECONDS * 1000)
    assert int(page.inner_text("#idle-counter")) <= IDLE_SECONDS
    page.wait_for_selector("#login-link", timeout=(IDLE_SECONDS + 5) * 1000)
    assert not page.is_visible("#my-data-link")
    page.go_back()
    page.wait_for_load_state()
    assert page.url != my_data_url or page.is_visible("#login-link")
    assert not page.is_visible("#my-data-link")
    with station.app.app_context():
        leaves = [json.loads(x) for x in station.app.extensions["station"].audit.export()]
    ends = [e for e in leaves if e["action"] == "session.end"]
    assert ends[-1]["details"]["reason"] == "idle" and isinstance(ends[-1]["details"]["seconds"], int)


def test_on_screen_keypad_types_deletes_and_clears(page, station):
    page.goto(station.url + "/login/card")
    page.click("details.keypad-form summary")
    page.click("#kp-id-number")
    for key in "001":
        page.click(f".keypad .key[data-key='{key}']")
    assert page.input_value("#kp-id-number") == "001"
    page.click(".keypad .key-delete")
    assert page.input_value("#kp-id-number") == "00"
    page.click(".keypad .key-clear")
    assert page.input_value("#kp-id-number") == ""
    page.click("#kp-birth-date")
    page.click(".keypad .key[data-key='/']")
    assert page.input_value("#kp-birth-date") == "/"
    assert not page.problems


def test_large_text_and_high_contrast_are_remembered_across_pages(page, station):
    page.goto(station.url + "/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    page.click("#toggle-text")
    page.wait_for_selector("body.text-large")
    large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert large >= normal * 1.2
    page.click("#toggle-contrast")
    page.wait_for_selector("body.contrast-high")
    page.goto(station.url + "/login/")
    assert page.get_attribute("#toggle-text", "aria-pressed") == "true"
    assert "contrast-high" in page.get_attribute("body", "class")
    page.click("#toggle-text")
    page.click("#toggle-contrast")
    page.wait_for_selector("body:not(.contrast-high)")


@pytest.mark.parametrize("context", [PORTRAIT, LANDSCAPE], indirect=True, ids=["portrait", "landscape"])
def test_home_fits_the_screen_with_touch_targets_of_48_px(context, page, station):
    page.goto(station.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    small = page.evaluate("""() => [...document.querySelectorAll('a.button, button, a.tile, a.chip')]
        .filter(e => e.offsetParent !== null)
        .map(e => e.getBoundingClientRect()).filter(r => r.height < 48 || r.width < 48).length""")
    assert small == 0
    size = page.viewport_size
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{size['width']}x{size['height']}.png"))
    page.goto(station.url + "/login/vneid")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"vneid-{size['width']}x{size['height']}.png"))


def test_free_text_fields_get_a_vietnamese_telex_keyboard(page, station):
    """Every free-text field gets the docked keyboard; typing Telex gives Vietnamese letters."""
    page.goto(f"{station.url}/s/security/tip")
    field = page.locator("textarea, input[type='text'], input:not([type])").first
    field.click()
    osk = page.locator("#osk")
    assert osk.is_visible()
    for key in "Nhaf vawn hoas":
        if key.isupper():
            page.click("#osk [data-osk-key='shift']")
        page.click(f"#osk [data-osk-key='{key.lower()}']")
    assert field.input_value() == "Nhà văn hoá"
    box = page.locator("#osk [data-osk-key='q']").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.click("#osk [data-osk-key='done']")
    assert not osk.is_visible()
