"""Health screening in a real browser: while a device measures, a progress bar counts down the
time left and Skip cannot be pressed; the stepper marks the current step; results are large."""

from __future__ import annotations

import re

from browser_kit import login_with_vneid, run_axe


def test_measuring_shows_time_left_and_disables_skip(page, station):
    login_with_vneid(page, station.url, account=0)
    page.goto(station.url + "/s/healthcare/screening")
    if page.locator("#consent").count():
        page.click("#consent button[type=submit]")
    page.click("main form button[type=submit]")          # begin
    page.wait_for_url(re.compile(r".*/screening/\d+/blood_pressure$"))
    current = page.locator("ol.screening-steps li[aria-current=step]")
    assert current.count() == 1 and "Huyết áp" in current.inner_text()
    border = page.evaluate("getComputedStyle(document.querySelector('li[aria-current=step]')).borderTopWidth")
    assert float(border.rstrip("px")) >= 4                                   # the current step is marked
    # hold the submission in the page so the measuring state can be looked at
    page.evaluate("""() => document.getElementById('measure-form')
        .addEventListener('submit', e => e.preventDefault())""")
    page.click("#measure")
    page.wait_for_selector("#measure-progress")
    assert page.is_disabled("#skip") and page.get_attribute("#skip", "aria-disabled") == "true"
    assert page.is_disabled("#measure")
    assert re.fullmatch(r"Còn khoảng \d+ giây", page.inner_text("#measure-left"))
    assert run_axe(page) == []
    first = page.evaluate("document.getElementById('measure-progress').value")
    page.wait_for_timeout(1300)
    assert page.evaluate("document.getElementById('measure-progress').value") > first
    assert page.evaluate("document.getElementById('measure-progress').max") == 45
    # the real measurement (a fast simulator here), then the rest
    page.reload()
    page.click("#measure")
    page.wait_for_url(re.compile(r".*/screening/\d+/pulse_oximeter$"))
    assert page.locator("li.done[data-kind=blood_pressure]").count() == 1
    while "/result" not in page.url:
        with page.expect_navigation():
            page.click("#measure" if page.locator("#measure").count() else "#skip")
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('v-bp')).fontSize)")
    assert size >= 40                                                        # readable at arm's length
    assert page.locator(".verdict[data-verdict=blood_pressure]").count() == 1
    assert run_axe(page) == []
    assert not page.problems
