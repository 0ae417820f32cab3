"""The public environment page in Chromium at 1080×1920: readable values, the air-quality band
and its advice, charts that the station's CSP allows (no violations)."""

from __future__ import annotations

from browser_kit import ARTIFACTS


def test_environment_page_is_readable_without_login(page, station):
    page.goto(station.url + "/s/security/environment")
    page.wait_for_selector("#air")
    assert "µSv/h" in page.inner_text("#radiation")
    air = page.inner_text("#air")
    assert "VN_AQI" in air and "Kém" in air          # 62 µg/m³ PM2.5 → 120, "Poor"
    assert page.query_selector("#radiation svg") is not None
    assert page.problems == []                        # no CSP violation, no script error
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "environment-1080x1920.png"), full_page=True)
