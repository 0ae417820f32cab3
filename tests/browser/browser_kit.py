"""What the browser tests share: where the tools are, axe, and the login steps."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from station_server import STAFF_PASSWORD, STAFF_USER

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("STATION_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
IDLE_SECONDS = 20  # the kiosk idle timeout in these tests: short, yet no page of a slow CI run goes idle mid-step


def login_with_vneid(page: Any, base: str, account: int = 0) -> None:
    """Log in on ``page`` through the simulated VNeID app opened in a second tab."""
    page.goto(base + "/login/vneid")
    phone_url = page.get_attribute("#vneid-phone-link", "href")
    phone = page.context.new_page()
    phone.goto(base + phone_url)
    phone.check(f"input[name=account][value='{account}']")
    phone.click("#approve")
    phone.wait_for_selector("#approved")
    phone.close()
    page.wait_for_url(re.compile(r".*/$"))
    page.wait_for_selector("#my-data-link")


def place_card(context: Any, base: str, card: str) -> None:
    """Choose the card on the simulated reader (``"0"``…, or ``"none"``) in another tab."""
    reader = context.new_page()
    reader.goto(base + "/sim/card-reader")
    reader.check(f"input[name=card][value='{card}']")
    reader.click("#place-card")
    reader.wait_for_load_state()
    reader.close()


def login_staff(page: Any, base: str) -> None:
    """Log the test manager in to the console."""
    page.goto(base + "/staff/login")
    page.fill("#staff-username", STAFF_USER)
    page.fill("#staff-password", STAFF_PASSWORD)
    page.click("#staff-submit")
    page.wait_for_url(re.compile(r".*/console/$"))


def finish(page: Any) -> None:
    """Press "finish and forget me"."""
    page.click("#finish-form button[type=submit]")
    page.wait_for_selector("#login-link")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 A/AA rules).

    axe is evaluated through the DevTools protocol, so the page's strict CSP stays on.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]
