"""Environmental monitoring on the public safety plugin: the VN_AQI of PM2.5 (QĐ 1459/QĐ-TCMT),
readings from the simulated Geiger counter and PMS5003, warnings and station alerts."""

from __future__ import annotations

import secrets

import pytest

from plugins.security.environment import EnvReading, aqi_category, vn_aqi_pm25


@pytest.mark.parametrize("pm25, aqi, band", [(0, 0, "good"), (12.5, 25, "good"), (25, 50, "good"),
                                              (37.5, 75, "moderate"), (50, 100, "moderate"), (80, 150, "poor"),
                                              (115, 175, "bad"), (150, 200, "bad"), (200, 250, "very_bad"),
                                              (300, 350, "hazardous"), (500, 500, "hazardous"),
                                              (900, 500, "hazardous")])
def test_vn_aqi_of_pm25_follows_the_decisions_breakpoints(pm25, aqi, band):
    assert vn_aqi_pm25(pm25) == aqi and aqi_category(aqi).code == band


def _station(make_station, cpm=15, pm25=18, geiger_profile="ok", air_profile="ok", sensors=True):
    tag = secrets.token_hex(4)
    devices = [
        {"id": "geiger-1", "kind": "geiger_counter", "options": {"answer_timeout": 0.3},
         "url": f"sim://geiger_counter?profile={geiger_profile}&cpm={cpm}&instance=g-{tag}"},
        {"id": "air-1", "kind": "air_quality", "options": {"measure_timeout": 1.0, "answer_timeout": 0.3},
         "url": f"sim://air_quality?profile={air_profile}&pm25={pm25}&pm10={pm25 + 10}&interval_s=0.05&instance=a-{tag}"},
    ] if sensors else []
    return make_station(plugins=["security"], devices=devices)


def _alerts(app):
    from core.payments.models import ManagerAlert

    with app.app_context():
        return [(a.source, a.kind, a.object_ref) for a in ManagerAlert.select().order_by(ManagerAlert.id)]


def test_the_public_page_shows_dose_rate_and_air_quality_without_login(make_station):
    app = _station(make_station)
    page = app.test_client().get("/s/security/environment")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-dose="0.0975"' in text and "0,098 µSv/h" in text
    assert 'data-aqi="36"' in text and 'data-category="good"' in text and "Tốt" in text
    assert "<svg" in text and "<script" not in text.split("</main>")[0].split("<main")[-1]
    assert 'id="warning-radiation"' not in text and _alerts(app) == []


def test_a_dose_rate_above_the_threshold_warns_and_raises_one_alert(make_station, station_clock):
    app = _station(make_station, cpm=154)  # 1.0 µSv/h with the M4011 factor; threshold 0.5
    client = app.test_client()
    text = client.get("/s/security/environment").get_data(as_text=True)
    assert 'id="warning-radiation"' in text and "Cảnh báo phóng xạ" in text
    station_clock.advance(120)
    client.get("/s/security/environment")
    assert _alerts(app) == [("security", "radiation_high", "env:geiger_counter")]  # one, while it is open
    with app.app_context():
        assert EnvReading.select().where(EnvReading.kind == "geiger_counter").count() == 2


def test_bad_air_warns_with_the_bands_advice_and_raises_an_alert(make_station):
    app = _station(make_station, pm25=160)
    data = app.test_client().get("/s/security/environment.json").get_json()
    assert (data["vn_aqi"], data["category"], data["warnings"]["aqi"]) == (210, "very_bad", True)
    assert ("security", "air_quality_bad", "env:air_quality") in _alerts(app)


def test_readings_are_taken_at_most_once_per_interval(make_station, station_clock):
    app = _station(make_station)
    client = app.test_client()
    for _ in range(3):
        client.get("/s/security/environment.json")
    with app.app_context():
        assert EnvReading.select().count() == 2            # one per sensor
    station_clock.advance(61)
    client.get("/s/security/environment.json")
    with app.app_context():
        assert EnvReading.select().count() == 4


@pytest.mark.parametrize("geiger, air, kind, words", [
    ("saturated", "ok", "geiger_counter", "bão hoà"), ("ok", "fan_failure", "air_quality", "quạt")])
def test_a_sensor_fault_is_explained_never_shown_as_a_value_and_alerted(make_station, geiger, air, kind, words):
    app = _station(make_station, geiger_profile=geiger, air_profile=air)
    page = app.test_client().get("/s/security/environment").get_data(as_text=True)
    assert words in page
    with app.app_context():
        assert EnvReading.select().where(EnvReading.kind == kind).count() == 0
    assert ("security", "env_sensor_fault", f"env:{kind}") in _alerts(app)


def test_a_station_without_sensors_says_so(make_station):
    page = _station(make_station, sensors=False).test_client().get("/s/security/environment").get_data(as_text=True)
    assert "Trạm chưa có thiết bị đo môi trường" in page
