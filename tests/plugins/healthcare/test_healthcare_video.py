"""Live video doctor: consent first, audited start/answer/end, signalling relayed between the two
sides only while the call lasts, and nobody else's call reachable."""

from __future__ import annotations

import json

import pytest
from healthcare_helpers import audit_entries

from plugins.healthcare.videocall import parse_ice_servers


@pytest.fixture
def app(health_station):
    return health_station()


def _video_audit(app):
    return [json.loads(e) for e in audit_entries(app) if '"healthcare.video_call.' in e]


def _start(client, csrf_token, consent="yes"):
    data = {"csrf_token": csrf_token(client)}
    if consent:
        data["consent"] = consent
    return client.post("/s/healthcare/tele/video/start", data=data)


def test_without_consent_no_call_starts(app, login_citizen, csrf_token):
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/healthcare/tele/video").get_data(as_text=True)
    assert "Tôi đồng ý, bắt đầu gọi" in page and "không được ghi hình" in page and "mô phỏng" in page
    for consent in (None, "no"):
        refused = _start(client, csrf_token, consent)
        assert refused.status_code == 400
        assert "chỉ bắt đầu khi bạn đồng ý" in refused.get_data(as_text=True)
    assert _video_audit(app) == []
    with app.app_context():
        from plugins.healthcare.models import VideoCall

        assert VideoCall.select().count() == 0


def test_call_is_audited_relayed_and_ended_without_keeping_the_signals(app, login_citizen, login_staff, csrf_token):
    kiosk = app.test_client()
    citizen = login_citizen(kiosk)
    started = _start(kiosk, csrf_token)
    assert started.status_code == 303
    call_url = started.headers["Location"]
    call_page = kiosk.get(call_url).get_data(as_text=True)
    assert 'data-side="kiosk"' in call_page and "videocall.js" in call_page and 'data-ice-servers="[]"' in call_page
    call_id = int(call_url.rsplit("/", 1)[1])
    entries = _video_audit(app)
    assert [e["action"] for e in entries] == ["healthcare.video_call.start"]
    assert entries[0]["actor"] == f"citizen:{citizen}" and entries[0]["details"]["media_stored"] is False

    doctor = app.test_client()
    login_staff(doctor, roles=("pharmacist",))
    listing = doctor.get("/s/healthcare/clinic").get_data(as_text=True)
    assert f'id="answer-{call_id}"' in listing and "mô phỏng" in listing.lower()
    answered = doctor.post(f"/s/healthcare/clinic/calls/{call_id}/answer", data={"csrf_token": csrf_token(doctor)})
    assert answered.status_code == 303
    assert 'data-side="doctor"' in doctor.get(answered.headers["Location"]).get_data(as_text=True)

    offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
    headers = {"X-CSRF-Token": csrf_token(doctor), "Accept": "application/json"}
    posted = doctor.post(f"/s/healthcare/clinic/calls/{call_id}/signals", json={"kind": "offer", "body": offer},
                         headers=headers)
    assert posted.status_code == 201
    seen = kiosk.get(f"{call_url}/signals?after=0", headers={"Accept": "application/json"}).get_json()
    assert seen["state"] == "active" and [s["body"] for s in seen["signals"]] == [offer]
    assert kiosk.get(f"{call_url}/signals?after={seen['signals'][0]['id']}").get_json()["signals"] == []
    # a side never receives its own messages
    assert doctor.get(f"/s/healthcare/clinic/calls/{call_id}/signals?after=0").get_json()["signals"] == []
    kiosk.post(f"{call_url}/signals", json={"kind": "answer", "body": {"type": "answer", "sdp": "v=0"}},
               headers={"X-CSRF-Token": csrf_token(kiosk)})
    got = doctor.get(f"/s/healthcare/clinic/calls/{call_id}/signals?after=0").get_json()["signals"]
    assert [s["kind"] for s in got] == ["answer"]

    ended = kiosk.post(f"{call_url}/end", data={"csrf_token": csrf_token(kiosk)})
    assert ended.status_code == 303
    assert doctor.get(f"/s/healthcare/clinic/calls/{call_id}/signals?after=0").get_json() == {
        "state": "ended", "signals": []}                                   # descriptions deleted
    assert kiosk.post(f"{call_url}/signals", json={"kind": "ice", "body": {}},
                      headers={"X-CSRF-Token": csrf_token(kiosk)}).status_code == 400
    actions = [e["action"] for e in _video_audit(app)]
    assert actions == ["healthcare.video_call.start", "healthcare.video_call.answer", "healthcare.video_call.end"]
    end = _video_audit(app)[-1]
    assert end["details"]["by"] == "citizen" and end["details"]["answered"] is True
    kiosk.post(f"{call_url}/end", data={"csrf_token": csrf_token(kiosk)})  # twice: still one end entry
    assert len(_video_audit(app)) == 3


def test_another_citizen_and_citizens_at_the_clinic_are_refused(app, login_citizen, csrf_token):
    owner = app.test_client()
    login_citizen(owner)
    call_url = _start(owner, csrf_token).headers["Location"]
    other = app.test_client()
    login_citizen(other)
    assert other.get(call_url).status_code == 404
    assert other.get(f"{call_url}/signals?after=0").status_code == 404
    assert other.get("/s/healthcare/clinic").status_code == 403


def test_bad_signalling_messages_are_refused(app, login_citizen, csrf_token):
    kiosk = app.test_client()
    login_citizen(kiosk)
    call_url = _start(kiosk, csrf_token).headers["Location"]
    headers = {"X-CSRF-Token": csrf_token(kiosk), "Accept": "application/json"}
    for body in ({"kind": "video", "body": {}}, {"kind": "offer", "body": "x" * 30_000}, ["offer"]):
        response = kiosk.post(f"{call_url}/signals", json=body, headers=headers)
        assert response.status_code == 400 and response.get_json()["message"]
    assert kiosk.get(f"{call_url}/signals?after=abc").status_code == 400
    assert kiosk.post(f"{call_url}/signals", json={"kind": "offer", "body": {}}).status_code in (400, 403)  # CSRF


def test_ice_servers_setting_is_checked():
    assert parse_ice_servers("") == []
    turn = '[{"urls": ["turn:turn.example.vn:3478"], "username": "kiosk", "credential": "s", "x": 1}]'
    assert parse_ice_servers(turn) == [{"urls": ["turn:turn.example.vn:3478"], "username": "kiosk",
                                        "credential": "s"}]
    for bad in ("nope", '{"urls": "stun:x"}', '[{"urls": "http://x"}]', "[{}]"):
        with pytest.raises(ValueError):
            parse_ice_servers(bad)


def test_a_bad_ice_servers_setting_fails_the_plugin(make_station):
    app = make_station(plugins=["healthcare"], settings={"healthcare": {"ice_servers": "[{"}})
    with app.app_context():
        record = app.extensions["station"].plugins.records["healthcare"]
        assert record.state.value == "failed" and "ice_servers" in " ".join(record.reasons)


def test_a_call_whose_kiosk_page_went_away_ends_by_itself(app, login_citizen, login_staff, csrf_token,
                                                            station_clock):
    kiosk = app.test_client()
    login_citizen(kiosk)
    call_url = _start(kiosk, csrf_token).headers["Location"]
    call_id = int(call_url.rsplit("/", 1)[1])
    doctor = app.test_client()
    login_staff(doctor, roles=("pharmacist",))
    doctor.post(f"/s/healthcare/clinic/calls/{call_id}/answer", data={"csrf_token": csrf_token(doctor)})
    for _ in range(5):                       # the kiosk keeps polling: the call goes on
        station_clock.advance(20)
        assert kiosk.get(f"{call_url}/signals?after=0").get_json()["state"] == "active"
        assert doctor.get(f"/s/healthcare/clinic/calls/{call_id}/signals?after=0").get_json()["state"] == "active"
    station_clock.advance(61)                # the kiosk page is gone (logged out, closed)
    assert doctor.get(f"/s/healthcare/clinic/calls/{call_id}/signals?after=0").get_json()["state"] == "ended"
    end = _video_audit(app)[-1]
    assert end["action"] == "healthcare.video_call.end" and end["details"]["by"] == "timeout"
