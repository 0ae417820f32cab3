"""Screenshots of the issue-14 citizen-service journeys at 1080×1920 with touch, into
docs/screenshots/kiosk/: taking things home on the phone (QR link), my prescriptions and the
scanned prescription, the utility bill's customer, the bank transfer with the amount in words
and the bank picker (vi and en), and an error page that leads back.

    .venv/bin/python scripts/screenshots_citizen_services.py [--out docs/screenshots]

Needs Debian's Chromium (/usr/bin/chromium) and the Python `playwright` package.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_kit import CHROMIUM, CHROMIUM_ARGS, login_with_vneid  # noqa: E402
from station_server import start_station  # noqa: E402

SHOTS = ("take-home-my-data-vi.png", "take-home-fhir-vi.png", "take-home-expired-phone-vi.png",
         "rx-my-prescriptions-vi.png", "rx-scanned-vi.png", "utilities-customer-vi.png",
         "banking-transfer-words-vi.png", "banking-transfer-words-en.png", "error-back-vi.png")


def tap_keys(page, selector: str, keys: str) -> None:  # type: ignore[no-untyped-def]
    """Touch the keys of a field's own keypad."""
    for key in keys:
        page.tap(f"{selector} [data-key='{key}']")


def shoot(browser, url: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    kiosk_dir = out / "kiosk"
    kiosk_dir.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    page = context.new_page()
    login_with_vneid(page, url, account=0)
    page.goto(url + "/my-data/export")
    page.wait_for_selector("#phone-link svg")
    page.screenshot(path=str(kiosk_dir / "take-home-my-data-vi.png"), full_page=True)
    page.goto(url + "/s/healthcare/history/fhir")
    if page.locator("#phone-link").count():
        page.screenshot(path=str(kiosk_dir / "take-home-fhir-vi.png"), full_page=True)
    page.goto(url + "/s/healthcare/rx")
    page.wait_for_selector("#my-prescriptions")
    page.screenshot(path=str(kiosk_dir / "rx-my-prescriptions-vi.png"), full_page=True)
    page.tap("#rx-scan-button")
    page.wait_for_selector("input[name^=qty_]")
    page.screenshot(path=str(kiosk_dir / "rx-scanned-vi.png"), full_page=True)
    page.goto(url + "/s/utilities/")
    page.tap("#kp-code")
    tap_keys(page, ".keypad[data-for='kp-code']", "PD01000123456")
    page.tap("button.primary.big[type=submit]")
    page.wait_for_selector("#customer")
    page.screenshot(path=str(kiosk_dir / "utilities-customer-vi.png"), full_page=True)
    page.goto(url + "/s/banking/transfer")
    if page.locator("input[name^=agree_]").count():          # the bank's consent, asked in place
        for box in page.locator("input[name^=agree_]").all():
            box.check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.tap()
        page.wait_for_load_state()
    for lang, shot in (("vi", "banking-transfer-words-vi.png"), ("en", "banking-transfer-words-en.png")):
        page.goto(url + f"/s/banking/transfer?lang={lang}")
        if not page.locator("#bank-search").count():
            page.screenshot(path=str(kiosk_dir / "debug-banking.png"), full_page=True)
        page.wait_for_selector("#bank-search")
        page.tap("#bank-search")
        for key in "ngoai thuong":
            page.tap(f"#osk [data-osk-key='{key}']" if key != " " else "#osk [data-osk-key=' ']")
        page.tap("#kp-amount")
        tap_keys(page, ".keypad[data-for='kp-amount']", "15000000")
        page.screenshot(path=str(kiosk_dir / shot), full_page=True)
    page.goto(url + "/s/banking/?lang=vi")
    page.goto(url + "/s/banking/transfer/review/" + "x" * 24)
    page.screenshot(path=str(kiosk_dir / "error-back-vi.png"), full_page=True)
    context.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    tab = phone.new_page()
    tab.goto(url + "/take-home/" + "A" * 24 + "." + "0" * 32)
    tab.screenshot(path=str(kiosk_dir / "take-home-expired-phone-vi.png"), full_page=True)
    phone.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        station = start_station(Path(home) / "station")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shoot(browser, station.url, args.out)
                browser.close()
        finally:
            station.stop()
    for name in SHOTS:
        print(args.out / "kiosk" / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
