"""Environmental readings as open data: a station with the simulated Geiger counter and PMS5003
sends its observations through the outbox; the hub serves them as OGC SensorThings entities
and alerts on a value over the station's threshold."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

import pytest

from core.fleet.client import HubClient
from hub.db import Alert, Observation
from hub.service import create_enrolment_code


@pytest.fixture
def hub_clock(station_clock):
    return station_clock


def _linked(station_factory, hub_apps, station_clock, cpm=15):
    app = station_factory(plugins=["security"], devices=[
        {"id": "geiger-1", "kind": "geiger_counter", "options": {"answer_timeout": 0.3},
         "url": f"sim://geiger_counter?cpm={cpm}&instance=g-{secrets.token_hex(4)}"},
        {"id": "air-1", "kind": "air_quality", "options": {"measure_timeout": 1.0, "answer_timeout": 0.3},
         "url": f"sim://air_quality?pm25=18&pm10=28&interval_s=0.05&instance=a-{secrets.token_hex(4)}"}])

    def transport(method, url, headers, body):
        response = hub_apps[0].test_client().open(urlparse(url).path, method=method, data=body, headers=headers)
        return response.status_code, response.get_data(as_text=True)

    client = HubClient(app.extensions["station"], transport)
    with app.app_context():
        client.enrol("http://localhost", create_enrolment_code(station_clock()))
    return app, client


def test_readings_reach_the_hub_once_and_are_served_as_sensorthings(station_factory, hub_apps, station_clock):
    app, client = _linked(station_factory, hub_apps, station_clock)
    page = app.test_client()
    for _ in range(3):  # the public page samples the sensors (at most once a minute)
        assert page.get("/s/security/environment").status_code == 200
        station_clock.advance(61)
    with app.app_context():
        client.enqueue_observations()
        client.flush()
        assert client.enqueue_observations() is None  # nothing new since
    assert Observation.select().count() == 3 * 4  # dose rate, count rate, PM2.5, PM10 per sampling
    public = hub_apps[1].test_client()
    root = public.get("/sta/v1.1").get_json()
    assert {v["name"] for v in root["value"]} >= {"Things", "Datastreams", "Observations"}
    [thing] = public.get("/sta/v1.1/Things").get_json()["value"]
    streams = public.get(thing["Datastreams@iot.navigationLink"].replace("http://localhost", "")).get_json()["value"]
    assert {s["name"].split(" @ ")[0] for s in streams} == {"dose_rate", "count_rate", "pm25", "pm10"}
    dose = next(s for s in streams if s["name"].startswith("dose_rate"))
    assert dose["unitOfMeasurement"]["symbol"] == "µSv/h" and dose["observationType"].endswith("OM_Measurement")
    observations = public.get(dose["Observations@iot.navigationLink"].replace("http://localhost", "")
                              + "?$top=2&$count=true").get_json()
    assert observations["@iot.count"] == 3 and len(observations["value"]) == 2 and "@iot.nextLink" in observations
    newest = observations["value"][0]
    assert newest["result"] == pytest.approx(0.0975) and newest["phenomenonTime"].endswith("Z")
    assert public.get(f"/sta/v1.1/Observations({newest['@iot.id']})/Datastream").get_json()["@iot.id"] == dose["@iot.id"]
    assert public.get("/sta/v1.1/Things('st-nope')").status_code == 404
    assert public.get("/sta/v1.1/Nonsense").status_code == 404
    assert public.get("/sta/v1.1/Observations?$top=x").status_code == 400
    assert public.get("/sta/v1.1/Things").headers["Access-Control-Allow-Origin"] == "*"
    page = public.get("/open-data").get_data(as_text=True)  # the public page: latest readings per station
    assert "0,098" in page and 'id="environment"' in page
    assert not Alert.select().exists()


def test_a_reading_over_the_threshold_raises_a_hub_alert(station_factory, hub_apps, station_clock):
    app, client = _linked(station_factory, hub_apps, station_clock, cpm=154)  # 1.0 µSv/h; threshold 0.5
    app.test_client().get("/s/security/environment")
    station_clock.advance(1)  # a window is [since, until): the reading was taken at the start
    with app.app_context():
        client.enqueue_observations()
        client.flush()
    [alert] = list(Alert.select())
    assert alert.kind == "env:dose_rate" and "over the station's warning threshold" in alert.message
