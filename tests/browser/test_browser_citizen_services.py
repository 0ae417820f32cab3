"""Issue 14 journeys in Chromium at 1080×1920 with touch: the amount in words typed on the
keypad (the JS mirror, live), the bank picker filtered with the on-screen keyboard, all my data
to the phone through a QR link that a second browser (the phone) opens, my prescriptions and the
scanned prescription — no CSP violation, no serious axe violation."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import login_with_vneid, run_axe


@pytest.fixture
def context(browser: Any):
    ctx = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="vi-VN", has_touch=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def _agree_if_asked(page: Any) -> None:
    if page.locator("main input[name^=agree_]").count():
        for box in page.locator("main input[name^=agree_]").all():
            box.check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.tap()


def test_transfer_amount_in_words_and_bank_search_with_touch(page, station):
    login_with_vneid(page, station.url, account=0)
    page.goto(station.url + "/s/banking/transfer")
    _agree_if_asked(page)
    page.goto(station.url + "/s/banking/transfer")
    page.tap("#kp-amount")
    for key in "1005000":
        page.tap(f".keypad[data-for='kp-amount'] [data-key='{key}']")
    assert page.text_content("#kp-amount-words") == "một triệu không trăm linh năm nghìn đồng"
    page.tap(".keypad[data-for='kp-amount'] [data-key='⌫']")
    assert page.text_content("#kp-amount-words") == "một trăm nghìn năm trăm đồng"
    page.tap("#bank-search")
    for key in "ngoai thuong":
        page.tap(f"#osk [data-osk-key='{key}']")
    visible = [t.strip() for t in page.locator(".bank-option:visible span").all_text_contents()]
    assert "Vietcombank" in visible and "BIDV" not in visible and len(visible) <= 3
    assert page.locator("#bank-none").is_hidden()
    for _ in range(12):
        page.tap("#osk [data-osk-key='back']")
    for key in "zzzz":
        page.tap(f"#osk [data-osk-key='{key}']")
    assert page.locator("#bank-none").is_visible()
    assert [v for v in run_axe(page) if v["id"] != "region"] == []
    assert page.problems == []


def test_all_my_data_goes_to_the_phone_and_prescriptions_need_no_typing(page, station, browser):
    login_with_vneid(page, station.url, account=0)
    page.goto(station.url + "/my-data/")
    page.tap("#export-link")
    page.wait_for_selector("#phone-link svg")
    link = page.get_attribute("#phone-link", "data-url")
    assert "/take-home/" in link                            # at the configured public URL (not this port)
    from urllib.parse import urlparse

    link = station.url + urlparse(link).path                # the phone reaches the station there
    assert [v for v in run_axe(page) if v["id"] != "region"] == []
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                accept_downloads=True)
    try:
        tab = phone.new_page()
        with tab.expect_download() as download:
            try:
                tab.goto(link)
            except Exception:  # a download aborts the navigation in Chromium
                pass
        assert download.value.suggested_filename == "du-lieu-cua-toi.json"
    finally:
        phone.close()
    page.goto(station.url + "/s/healthcare/rx")
    assert page.locator(".rx-card").count() == 3
    page.tap("#rx-scan-button")
    page.wait_for_selector("input[name^=qty_]")
    assert "Amoxicillin 500 mg" in page.text_content("main")
    assert page.problems == []
