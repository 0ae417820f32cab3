"""Enrolment with one-time codes; every later request signed, refused when unknown, revoked or stale."""

from __future__ import annotations

import json

from core.fleet.httpsig import sign_request
from hub.db import Station, StationMessage
from hub.service import create_enrolment_code, revoke_station


def _heartbeat(message_id: str, created: float, **body) -> dict:
    return {"id": message_id, "kind": "heartbeat", "created": created, "body": body}


def test_a_code_enrols_one_station_once(hub_apps, make_station, hub_clock):
    code = create_enrolment_code(hub_clock())
    first, second = make_station("hn-a"), make_station("hn-b")
    client = hub_apps[0].test_client()
    response = first.enrol(client, code)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["witness_key"].startswith("citizen-station-hub+")
    station = Station.get_by_id(first.station_id)
    assert station.origin == "citizen-station/hn-a" and station.verifier_key == first.signer.verifier_key.encode()
    again = second.enrol(hub_apps[1].test_client(), code)
    assert again.status_code == 403 and "already used" in again.get_json()["error"]
    assert Station.select().count() == 1


def test_an_expired_or_unknown_code_is_refused(hub_apps, make_station, hub_clock):
    code = create_enrolment_code(hub_clock(), lifetime=60)
    hub_clock.advance(61)
    station = make_station()
    assert station.enrol(hub_apps[0].test_client(), code).status_code == 403
    assert station.enrol(hub_apps[0].test_client(), "not-a-code").status_code == 403


def test_enrolment_must_be_signed_by_the_registered_key(hub_apps, make_station, hub_clock):
    code = create_enrolment_code(hub_clock())
    honest, thief = make_station("hn-a"), make_station("hn-b")
    body = json.dumps({"code": code, "site_id": "hn-a", "verifier_key": honest.signer.verifier_key.encode()}).encode()
    headers = sign_request("POST", "http://localhost/api/v1/enrol", body, thief.signer.private_key, "enrol",
                           int(hub_clock()))
    response = hub_apps[0].test_client().post("/api/v1/enrol", data=body,
                                              headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 401
    assert honest.enrol(hub_apps[0].test_client(), code).status_code == 201  # the code was not spent


def test_two_hub_processes_serve_one_station_and_replays_are_stored_once(hub_apps, make_station, hub_clock):
    station = make_station()
    station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock()))
    batch = {"messages": [_heartbeat("m-0000001", hub_clock() - 60, version="0.1.0",
                                     devices={"printer": {"status": "error", "reason": "paper out"}}),
                          _heartbeat("m-0000002", hub_clock(), version="0.1.1",
                                     devices={"printer": {"status": "ok", "reason": ""}})]}
    first = station.signed(hub_apps[0].test_client(), "/api/v1/messages", batch)
    assert first.status_code == 200 and first.get_json()["accepted"] == ["m-0000001", "m-0000002"]
    replay = station.signed(hub_apps[1].test_client(), "/api/v1/messages", batch)
    assert replay.get_json() == {"accepted": [], "duplicates": ["m-0000001", "m-0000002"]}
    assert StationMessage.select().count() == 2
    row = Station.get_by_id(station.station_id)
    assert json.loads(row.health)["version"] == "0.1.1" and row.last_seen == hub_clock()
    late = station.signed(hub_apps[1].test_client(), "/api/v1/messages",
                          {"messages": [_heartbeat("m-0000000", hub_clock() - 3600, version="0.0.9")]})
    assert late.get_json()["accepted"] == ["m-0000000"]
    assert json.loads(Station.get_by_id(station.station_id).health)["version"] == "0.1.1"  # older: not applied


def test_unknown_revoked_stale_or_altered_requests_are_refused(hub_apps, make_station, hub_clock):
    station = make_station()
    client = hub_apps[0].test_client()
    station.enrol(client, create_enrolment_code(hub_clock()))
    batch = {"messages": [_heartbeat("m-0000001", hub_clock(), version="1")]}

    body = json.dumps(batch).encode()
    headers = sign_request("POST", "http://localhost/api/v1/messages", body, station.signer.private_key,
                           station.station_id, int(hub_clock()))
    altered = client.post("/api/v1/messages", data=body.replace(b'"1"', b'"2"'), headers=headers,
                          content_type="application/json")
    assert altered.status_code == 401 and "Content-Digest" in altered.get_json()["error"]
    no_signature = client.post("/api/v1/messages", json=batch)
    assert no_signature.status_code == 401

    stranger = make_station("hn-x")
    stranger.station_id = station.station_id  # claims the id, but holds another key
    assert stranger.signed(client, "/api/v1/messages", batch).status_code == 401

    stale_headers = sign_request("POST", "http://localhost/api/v1/messages", body, station.signer.private_key,
                                 station.station_id, int(hub_clock()) - 301)
    stale = client.post("/api/v1/messages", data=body, headers=stale_headers, content_type="application/json")
    assert stale.status_code == 401 and "stale" in stale.get_json()["error"]

    revoke_station(station.station_id, hub_clock())
    revoked = station.signed(hub_apps[1].test_client(), "/api/v1/messages", batch)
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["error"]
    assert StationMessage.select().count() == 0


def test_bad_messages_are_a_clear_400_and_store_nothing(hub_apps, make_station, hub_clock):
    station = make_station()
    client = hub_apps[0].test_client()
    station.enrol(client, create_enrolment_code(hub_clock()))
    response = station.signed(client, "/api/v1/messages",
                              {"messages": [_heartbeat("m-0000001", hub_clock()), {"id": "x", "kind": "heartbeat"}]})
    assert response.status_code == 400 and "message id" in response.get_json()["error"]
    assert StationMessage.select().count() == 0


def test_enrolment_codes_are_base32_and_never_read_as_an_option(hub_apps, hub_clock):
    """A code is typed at the station: `station hub enrol URL CODE` once read a URL-safe code
    starting with "-" as an option. Codes are base32 (A–Z, 2–7), 120 bits, all different."""
    import re

    with hub_apps[0].app_context():
        codes = [create_enrolment_code(hub_clock()) for _ in range(300)]
    assert all(re.fullmatch(r"[A-Z2-7]{24}", code) for code in codes)
    assert len(set(codes)) == len(codes)
