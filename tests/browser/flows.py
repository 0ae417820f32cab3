"""Steps the browser tests share: logging in a citizen (VNeID, card) and staff."""

from __future__ import annotations

import re
from typing import Any

from station_server import STAFF_PASSWORD, STAFF_USER


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
