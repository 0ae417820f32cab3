"""Regenerate docs/screenshots/: the kiosk home in Vietnamese at 1080×1920 (portrait) and
the console's usage page, from a throwaway demo station with synthetic usage history.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Needs Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`) and the Python
`playwright` package; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from station_server import STAFF_PASSWORD, STAFF_USER, start_station  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


KIOSK_SHOTS = ("kiosk/emergency-vi.png", "kiosk/emergency-en.png", "kiosk/emergency-call-115-vi.png",
               "kiosk/keyboard-telex-vi.png")


def shoot_kiosk_journeys(browser, url: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The anonymous kiosk journeys of issue 14 at 1080×1920 with touch: emergency and the keyboard."""
    (out / "kiosk").mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1080, "height": 1920}, has_touch=True)
    page.goto(url + "/s/security/")
    page.screenshot(path=str(out / "kiosk/emergency-vi.png"), full_page=True)
    page.goto(url + "/s/security/?lang=en")
    page.screenshot(path=str(out / "kiosk/emergency-en.png"), full_page=True)
    page.goto(url + "/s/security/")
    page.tap("#call-115")
    page.wait_for_selector("#call")
    page.screenshot(path=str(out / "kiosk/emergency-call-115-vi.png"), full_page=True)
    page.goto(url + "/s/security/tip")
    page.locator("textarea").first.tap()
    for key in "nhaf vawn hoas toor 5":
        page.tap(f"#osk [data-osk-key='{key}']")
    page.screenshot(path=str(out / "kiosk/keyboard-telex-vi.png"))
    page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        station = start_station(Path(home) / "station", seed=True)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                kiosk = browser.new_page(viewport={"width": 1080, "height": 1920})
                kiosk.goto(station.url + "/")
                kiosk.screenshot(path=str(args.out / "home-vi-1080x1920.png"))
                shoot_kiosk_journeys(browser, station.url, args.out)
                console = browser.new_page(viewport={"width": 1920, "height": 1080})
                console.goto(station.url + "/staff/login?lang=en")
                console.fill("#staff-username", STAFF_USER)
                console.fill("#staff-password", STAFF_PASSWORD)
                console.click("#staff-submit")
                console.goto(station.url + "/console/usage/?days=30")
                console.screenshot(path=str(args.out / "console-usage.png"), full_page=True)
                browser.close()
        finally:
            station.stop()
    for name in ("home-vi-1080x1920.png", "console-usage.png", *KIOSK_SHOTS):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
