"""Screenshots of the kiosk's help features and the video doctor (issue 14) at 1080×1920 with touch:
greeting, "call staff", idle overlay, card reminder, the video call (kiosk and simulated clinic,
Chromium's fake camera), the screening stepper while measuring and the results.

    .venv/bin/python scripts/screenshots_help.py [--out docs/screenshots]

Needs Debian's Chromium and the Python `playwright` package (as scripts/screenshots.py).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_kit import login_staff, login_with_vneid, place_card  # noqa: E402
from station_server import start_station  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"]
KIOSK = {"viewport": {"width": 1080, "height": 1920}, "has_touch": True, "locale": "vi-VN"}
SHOTS = ("greeting-help-vi.png", "help-called-vi.png", "idle-overlay-vi.png", "card-reminder-vi.png",
         "video-consent-vi.png", "video-call-kiosk-vi.png", "video-call-clinic-vi.png", "video-call-kiosk-en.png",
         "screening-measuring-vi.png", "screening-results-vi.png", "screening-results-en.png")


def shoot_card_session(browser, url: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(**KIOSK)
    page = ctx.new_page()
    place_card(ctx, url, "0")
    page.goto(url + "/login/card")
    page.tap("#read-card")
    page.wait_for_url(re.compile(r".*/$"))
    page.screenshot(path=str(out / "greeting-help-vi.png"))
    page.tap("#help-call")
    page.wait_for_selector("#help-status:not([hidden])")
    page.screenshot(path=str(out / "help-called-vi.png"))
    page.wait_for_selector("#idle-overlay:not([hidden])", timeout=40_000)
    page.screenshot(path=str(out / "idle-overlay-vi.png"))
    page.wait_for_selector("#card-reminder", timeout=40_000)
    page.screenshot(path=str(out / "card-reminder-vi.png"))
    place_card(ctx, url, "none")
    ctx.close()


def shoot_video_call(browser, url: str, out: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    kiosk_ctx, clinic_ctx = browser.new_context(**KIOSK), browser.new_context(**KIOSK)
    kiosk, doctor = kiosk_ctx.new_page(), clinic_ctx.new_page()
    login_with_vneid(kiosk, url, account=0)
    kiosk.goto(url + f"/s/healthcare/tele/video?lang={lang}")
    if lang == "vi":
        kiosk.screenshot(path=str(out / "video-consent-vi.png"))
    kiosk.tap("#video-agree")
    kiosk.wait_for_selector("#video-call[data-call-state=waiting]")
    login_staff(doctor, url)
    doctor.goto(url + "/s/healthcare/clinic")
    doctor.click("ul.clinic-calls li:last-child button")
    kiosk.wait_for_selector("#video-call[data-call-state=connected]")
    doctor.wait_for_selector("#video-call[data-call-state=connected]")
    kiosk.wait_for_timeout(1500)
    kiosk.screenshot(path=str(out / f"video-call-kiosk-{lang}.png"))
    if lang == "vi":
        doctor.screenshot(path=str(out / "video-call-clinic-vi.png"))
    kiosk.tap("#end-call")
    kiosk.wait_for_url(re.compile(r".*/tele$"))
    kiosk_ctx.close()
    clinic_ctx.close()


def shoot_screening(browser, url: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(**KIOSK)
    page = ctx.new_page()
    login_with_vneid(page, url, account=1)
    page.goto(url + "/s/healthcare/screening")
    if page.locator("#consent").count():
        page.tap("#consent button[type=submit]")
    page.tap("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/blood_pressure$"))
    page.tap("#measure")
    page.wait_for_url(re.compile(r".*/pulse_oximeter$"))
    page.evaluate("() => document.getElementById('measure-form').addEventListener('submit', e => e.preventDefault())")
    page.tap("#measure")
    page.wait_for_timeout(2200)
    page.screenshot(path=str(out / "screening-measuring-vi.png"))
    page.reload()
    while "/result" not in page.url:
        with page.expect_navigation():
            page.tap("#measure")
    page.screenshot(path=str(out / "screening-results-vi.png"), full_page=True)
    page.goto(page.url + "?lang=en")
    page.screenshot(path=str(out / "screening-results-en.png"), full_page=True)
    ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out = args.out / "kiosk"
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        station = start_station(Path(home) / "station", idle_seconds=30, seed=True)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shoot_card_session(browser, station.url, out)
                shoot_video_call(browser, station.url, out, "vi")
                shoot_video_call(browser, station.url, out, "en")
                shoot_screening(browser, station.url, out)
                browser.close()
        finally:
            station.stop()
    for name in SHOTS:
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
