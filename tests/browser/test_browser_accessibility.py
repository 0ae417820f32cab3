"""axe-core in the browser: no serious or critical violations on the kiosk, the console,
My data and one page of each plugin, in Vietnamese and English, and in high contrast."""

from __future__ import annotations

import pytest
from browser_kit import finish, login_staff, login_with_vneid, run_axe
from station_server import KIOSK_PLUGINS

PUBLIC_PAGES = ("/", "/login/", "/login/card", "/login/vneid", "/staff/login", "/no-such-page",
                "/sim/card-reader")
CONSOLE_PAGES = ("/console/", "/console/plugins/", "/console/plugins/fx_example/settings",
                 "/console/devices/", "/console/audit/", "/console/usage/")


def _check(page, url: str) -> None:
    page.goto(url)
    violations = run_axe(page)
    assert violations == [], f"{url}: {violations}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_public_pages_have_no_serious_violations(page, station, lang):
    for path in PUBLIC_PAGES:
        _check(page, f"{station.url}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert not page.problems


def test_high_contrast_home_has_no_serious_violations(page, station):
    page.goto(station.url + "/")
    page.click("#toggle-contrast")
    page.wait_for_selector("body.contrast-high")
    assert run_axe(page) == []
    page.click("#toggle-contrast")


def test_citizen_pages_and_one_page_of_each_plugin_have_no_serious_violations(page, station):
    login_with_vneid(page, station.url, account=0)
    _check(page, station.url + "/")
    _check(page, station.url + "/my-data/")
    for plugin in KIOSK_PLUGINS:
        page.goto(station.url + "/")
        href = page.get_attribute(f"a.tile[data-plugin={plugin}]", "href")
        _check(page, station.url + href)
    finish(page)


def test_console_pages_have_no_serious_violations(page, station):
    login_staff(page, station.url)
    for path in CONSOLE_PAGES:
        _check(page, station.url + path)
    assert not page.problems
