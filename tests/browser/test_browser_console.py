"""The manager console in a real browser: plugin switches, restart required, devices, audit, usage."""

from __future__ import annotations

import json

from browser_kit import login_staff

from hal.sim import control


def _audit_actions(station) -> list[str]:
    with station.app.app_context():
        return [json.loads(leaf)["action"] for leaf in station.app.extensions["station"].audit.export()]


def test_manager_disables_and_enables_a_plugin_and_its_tile_follows(context, page, station):
    login_staff(page, station.url)
    kiosk = context.browser.new_page()
    try:
        page.click("#nav-plugins")
        page.click("#disable-traffic")
        page.click("#confirm-button")  # the confirmation page names the effect first
        page.wait_for_selector("#plugin-traffic[data-enabled=false]")
        kiosk.goto(station.url + "/")
        assert kiosk.locator("a.tile[data-plugin=traffic]").count() == 0
        page.click("#enable-traffic")
        page.wait_for_selector("#plugin-traffic[data-enabled=true]")
        kiosk.goto(station.url + "/")
        assert kiosk.locator("a.tile[data-plugin=traffic]").count() == 1
    finally:
        kiosk.close()
    actions = _audit_actions(station)
    assert actions.index("plugin.disable") < len(actions) - 1 and actions[-1] == "plugin.enable"
    assert not page.problems


def test_enabling_a_plugin_not_loaded_at_start_says_restart_required(page, station):
    login_staff(page, station.url)
    page.goto(station.url + "/console/plugins/")
    page.click("#enable-fx_example")
    page.wait_for_selector("#restart-required")
    assert page.locator("#plugin-fx_example .badge.restart").count() == 1
    page.click("#disable-fx_example")
    page.click("#confirm-button")
    page.wait_for_selector("#plugin-fx_example[data-enabled=false]")
    assert page.locator("#restart-required").count() == 0


def test_a_plugin_that_cannot_run_shows_why_and_cannot_be_enabled(page, station):
    login_staff(page, station.url)
    page.goto(station.url + "/console/plugins/")
    card = page.locator("#plugin-fx_future_sdk")
    assert card.get_attribute("data-state") == "incompatible"
    assert page.is_disabled("#enable-fx_future_sdk")
    assert "cần sdk" in card.inner_text()  # the reason, in Vietnamese


def test_unplugged_device_shows_not_ready_live_and_test_read_measures(page, station):
    login_staff(page, station.url)
    page.goto(station.url + "/console/devices/")
    url = station.device_urls["oximeter-1"]
    control.unplug(url)
    try:
        page.wait_for_selector("tr[data-device=oximeter-1] .badge.status-NOT_READY", timeout=10_000)
    finally:
        control.replug(url)
    page.wait_for_selector("tr[data-device=oximeter-1] .badge.status-READY", timeout=10_000)
    page.click("#test-thermometer-1")
    page.wait_for_selector("#test-result.tone-ok")
    assert "°C" in page.inner_text("#test-result") or "temperature" in page.inner_text("#test-result")
    assert not page.problems


def test_audit_verification_runs_with_progress_and_passes(page, station):
    login_staff(page, station.url)
    page.goto(station.url + "/console/audit/?action=session.")
    assert page.locator("#audit-entries tr[data-index]").count() > 0
    page.click("#verify-now")
    page.wait_for_selector("#verify-job[data-state=ok]", timeout=20_000)
    assert page.evaluate("document.querySelector('#verify-progress').value") > 0
    assert "OK" in page.inner_text(".verify-text")


def test_usage_page_draws_four_charts_and_offers_csv(page, station):
    login_staff(page, station.url)
    page.goto(station.url + "/console/usage/?days=30")
    assert page.locator(".chart svg[role=img]").count() == 4
    with page.expect_download() as download:
        page.click("#usage-csv")
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("metric,key,series,value") and "transactions" in text
