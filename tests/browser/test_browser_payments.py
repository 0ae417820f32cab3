"""A citizen with two tabs on one fine, in Chromium at 1080×1920: the second "pay" continues
the first payment, and once paid the fine says so — one payment, one charge. Screenshots go
to tests/browser/artifacts/payments/; the ones in docs/screenshots/payments/ are copies a
person looked at (copy them again when this journey changes)."""

from __future__ import annotations

import re

from browser_kit import ARTIFACTS, login_with_vneid

SHOTS = ARTIFACTS / "payments"
FINE = "/s/traffic/violations/VP250314001"


def test_two_tabs_on_one_fine_make_one_payment(context, page, station):
    SHOTS.mkdir(parents=True, exist_ok=True)
    login_with_vneid(page, station.url, account=0)
    page.goto(station.url + FINE)
    other = context.new_page()
    other.goto(station.url + FINE)

    page.click("#pay-fine")
    page.wait_for_url(re.compile(r".*/pay/\d+$"))
    other.click("#pay-fine")
    other.wait_for_url(re.compile(r".*/pay/\d+\?resume=1$"))
    assert other.url.split("?")[0] == page.url
    assert "Bạn đã bắt đầu thanh toán khoản này" in other.inner_text("#resume-notice")
    other.screenshot(path=str(SHOTS / "continue-paying-1080x1920.png"))

    page.goto(station.url + FINE)
    assert "Tiếp tục thanh toán" in page.inner_text(".payment-state")
    assert page.query_selector("#pay-fine") is None
    page.screenshot(path=str(SHOTS / "fine-being-paid-1080x1920.png"))

    other.click("#pay-card")
    # The POST returns at once: the card worker talks to the terminal while this page polls the
    # status behind an opaque token (no payment id in the URL), then moves on to the receipt.
    other.wait_for_url(re.compile(r".*/pay/card/[A-Za-z0-9_-]{20,32}$"), wait_until="commit")
    other.wait_for_url(re.compile(r".*/pay/\d+/receipt$"), timeout=30_000)
    page.goto(station.url + FINE)
    assert "Đã thanh toán" in page.inner_text(".payment-state")
    page.click(".payment-state a")
    page.wait_for_url(re.compile(r".*/receipt\?resume=1$"))
    notice = page.inner_text("#resume-notice")
    assert re.search(r"đã được thanh toán lúc \d{2}/\d{2}/\d{4} \d{2}:\d{2}, biên lai số BL\d{8}", notice)
    page.screenshot(path=str(SHOTS / "already-paid-1080x1920.png"), full_page=True)
    with station.app.app_context():
        from core.payments.models import PaymentRecord

        paid = [p.state for p in PaymentRecord.select() if p.reference == "fine:VP250314001"]
    assert paid == ["SUCCEEDED"]


def test_a_card_terminal_that_cannot_be_reached_says_nothing_was_charged(page, station):
    """The waiting page follows the card worker; when the terminal never got the request it says
    so in Vietnamese and offers the way back — no charge, no stack trace, no inline script."""
    from hal.sim import control

    SHOTS.mkdir(parents=True, exist_ok=True)
    url = station.app.extensions["payments"].terminal().descriptor.url
    login_with_vneid(page, station.url, account=0)
    page.goto(station.url + "/s/traffic/violations/VP250305022")
    page.click("#pay-fine")
    page.wait_for_url(re.compile(r".*/pay/\d+$"))
    control.set_profile(url, "timeout")
    try:
        page.click("#pay-card")
        page.wait_for_url(re.compile(r".*/pay/card/[A-Za-z0-9_-]{20,32}$"))
        page.wait_for_selector("#card-error:not([hidden])", timeout=30_000)
        assert "chưa trừ tiền" in page.inner_text("#card-error-text")
        page.screenshot(path=str(SHOTS / "card-terminal-unreachable-1080x1920.png"))
    finally:
        control.set_profile(url, "ok")
    page.click("#card-back")
    page.wait_for_url(re.compile(r".*/pay/\d+$"))
    assert page.query_selector("#pay-card") is not None
    assert page.problems == []
    with station.app.app_context():
        from core.payments.models import PaymentRecord

        [payment] = [p for p in PaymentRecord.select() if p.reference == "fine:VP250305022"]
    assert (payment.state, payment.method) == ("PENDING", None)
