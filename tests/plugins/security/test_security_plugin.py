"""Public safety: emergency alerts without login, anonymous tips that keep no identity,
identified reports with follow-up, contacts and area information."""

from __future__ import annotations

import io
import re

import pytest

from hal.sim.document_scanner import generated_page_jpeg, generated_page_pdf


@pytest.fixture
def app(make_station):
    return make_station(plugins=["security"], settings={"security": {
        "station_location": "Nhà văn hoá tổ 5, phường Thử Nghiệm", "police_name": "Công an phường Thử Nghiệm",
        "police_phone": "024 0000 1234", "area_officer": "Thiếu uý Mẫu, 0900000000",
        "area_info": "Tổ dân phố 1-8"}},
        connectors={"ward_police": {"kind": "simulator", "step_seconds": 60}})


def _police(app):
    with app.test_request_context():
        from plugins.security.connector import ward_police

        return ward_police()


def _audit(app):
    import json

    with app.app_context():
        return [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]


def test_emergency_numbers_in_large_type_from_the_home_screen_without_login(app):
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert "/s/security/" in home and "113" in home
    page = client.get("/s/security/").get_data(as_text=True)
    for number, words in (("113", "Gọi Công an 113"), ("114", "Gọi Cứu hoả, cứu nạn 114"),
                          ("115", "Gọi Cấp cứu 115")):
        # one action per number, each with its own wording: a call button, not a tel: link
        assert f'id="call-{number}"' in page and words in page
    assert "tel:" not in page and "style=" not in page  # the CSP blocks inline styles: all in station.css
    assert "Bộ đàm mô phỏng" in page  # the simulated intercom says so


def _intercom(app):
    with app.test_request_context():
        from plugins.security.intercom import intercom

        return intercom()


def test_a_call_goes_through_the_station_intercom_which_gives_the_dispatcher_the_address(
        app, csrf_token, station_clock):
    client = app.test_client()
    page = client.post("/s/security/alert", data={"service": "114", "csrf_token": csrf_token(client)}
                       ).get_data(as_text=True)
    [call] = _intercom(app).calls.values()
    assert call.service == "114" and call.station_address == "Nhà văn hoá tổ 5, phường Thử Nghiệm"
    assert 'data-call-state="ringing"' in page and 'data-refresh-seconds="2"' in page
    station_clock.advance(5)
    status = client.get(f"/s/security/call/{call.call_id}").get_data(as_text=True)
    assert 'data-call-state="connected"' in status and "Đã kết nối" in status
    dispatcher = client.get("/s/security/sim/dispatcher").get_data(as_text=True)
    assert "Nhà văn hoá tổ 5" in dispatcher and "Đang nói chuyện" in dispatcher and "mô phỏng" in dispatcher
    station_clock.advance(40)
    ended = client.post(f"/s/security/call/{call.call_id}/end", data={"csrf_token": csrf_token(client)})
    assert ended.status_code == 303
    assert 'data-call-state="ended"' in client.get(ended.headers["Location"]).get_data(as_text=True)
    actions = [(e["action"], e["outcome"]) for e in _audit(app) if e["action"].startswith("security.emergency_call")]
    assert actions == [("security.emergency_call", "ok"), ("security.emergency_call_end", "ok")]
    end = [e for e in _audit(app) if e["action"] == "security.emergency_call_end"][0]
    assert end["details"] == {"service": "114", "seconds": 45} and end["actor"] == "anonymous"


def test_emergency_alert_without_login_reaches_the_police_with_location_and_time_and_is_audited(
        app, csrf_token, station_clock):
    client = app.test_client()
    response = client.post("/s/security/alert", data={"service": "115", "csrf_token": csrf_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="alert-sent"' in page
    assert "Nhà văn hoá tổ 5" in page
    alerts = _police(app).alerts
    assert len(alerts) == 1 and alerts[0].service == "115"
    assert alerts[0].location == "Nhà văn hoá tổ 5, phường Thử Nghiệm" and alerts[0].at == station_clock()
    assert alerts[0].site_id == "test-station"
    entry = [e for e in _audit(app) if e["action"] == "security.emergency_alert"][-1]
    assert entry["outcome"] == "ok" and entry["actor"] == "anonymous" and entry["details"] == {"service": "115"}


def test_alert_needs_csrf_and_a_valid_service_and_is_not_repeated_within_the_cooldown(app, csrf_token,
                                                                                      station_clock):
    client = app.test_client()
    assert client.post("/s/security/alert", data={"service": "113"}).status_code in (400, 403)
    assert client.post("/s/security/alert", data={"service": "911", "csrf_token": csrf_token(client)}
                       ).status_code == 400
    client.post("/s/security/alert", data={"service": "113", "csrf_token": csrf_token(client)})
    client.post("/s/security/alert", data={"service": "113", "csrf_token": csrf_token(client)})
    assert len(_police(app).alerts) == 1
    station_clock.advance(61)
    client.post("/s/security/alert", data={"service": "114", "csrf_token": csrf_token(client)})
    assert [a.service for a in _police(app).alerts] == ["113", "114"]


def test_without_alerting_configured_the_call_still_goes_through_and_no_police_alert_is_sent(make_station,
                                                                                            csrf_token):
    app = make_station(plugins=["security"], settings={"security": {"alert_enabled": False}})
    client = app.test_client()
    page = client.post("/s/security/alert", data={"service": "113", "csrf_token": csrf_token(client)}
                       ).get_data(as_text=True)
    assert 'id="call-only-alert"' in page and 'data-call-state="ringing"' in page and _police(app).alerts == []


def test_when_the_intercom_is_down_the_page_says_to_call_from_a_phone(app, csrf_token, monkeypatch):
    from plugins.security.intercom import IntercomSimulator
    from sdk.connectors import ConnectorUnavailable

    def down(*_args):
        raise ConnectorUnavailable("line down")

    monkeypatch.setattr(IntercomSimulator, "call", down)
    client = app.test_client()
    page = client.post("/s/security/alert", data={"service": "115", "csrf_token": csrf_token(client)}
                       ).get_data(as_text=True)
    assert 'id="call-only"' in page and "115" in page
    entry = [e for e in _audit(app) if e["action"] == "security.emergency_call"][-1]
    assert entry["outcome"] == "failed" and entry["details"]["reason"] == "intercom_unavailable"


def test_anonymous_tip_from_a_logged_in_citizen_stores_no_identity_anywhere(app, csrf_token, login_citizen):
    client = app.test_client()
    citizen_id = login_citizen(client)
    photo = generated_page_jpeg(3)
    response = client.post("/s/security/tip", data={
        "csrf_token": csrf_token(client), "category": "drugs", "description": "Mua bán trái phép ở cuối ngõ 7",
        "occurred": "21/09/2026 22:00", "place": "Ngõ 7", "photo": (io.BytesIO(photo), "anh.jpg")},
        content_type="multipart/form-data")
    code = re.search(r'id="tracking-code" class="mono">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert re.fullmatch(r"TB-[A-Z2-9]{8}", code)
    with app.app_context():
        from core import db

        columns = [c.name for c in db.database.obj.get_columns("security_tip")]
        assert set(columns) == {"id", "tracking_code", "category", "description", "occurred", "place",
                                "photo_type", "photo", "created_on"}  # nothing that could name the reporter
        row = db.database.obj.execute_sql("SELECT * FROM security_tip").fetchone()
        assert str(citizen_id) not in [str(v) for v in row[1:] if not isinstance(v, bytes)]  # row[0]: its id
        assert db.database.obj.execute_sql("SELECT COUNT(*) FROM security_report").fetchone()[0] == 0
    entry = [e for e in _audit(app) if e["action"] == "security.tip_received"][-1]
    assert entry["actor"] == "anonymous" and f"citizen:{citizen_id}" not in str(entry)
    assert _police(app).reports[code]["anonymous"] is True
    assert code not in client.get("/s/security/reports").get_data(as_text=True)


def test_anonymous_tip_works_without_login_and_refuses_a_disguised_photo(app, csrf_token):
    client = app.test_client()
    ok = client.post("/s/security/tip", data={"csrf_token": csrf_token(client), "category": "fraud",
                                              "description": "Gọi điện giả danh công an"})
    assert ok.status_code == 200 and 'id="tracking-code"' in ok.get_data(as_text=True)
    bad = client.post("/s/security/tip", data={
        "csrf_token": csrf_token(client), "category": "fraud", "description": "Ảnh không phải ảnh thật",
        "photo": (io.BytesIO(generated_page_pdf()), "anh.jpg")}, content_type="multipart/form-data")
    assert bad.status_code == 400


def test_identified_report_needs_login_and_consent_and_can_be_followed_up(app, csrf_token, login_citizen,
                                                                         station_clock):
    client = app.test_client()
    assert client.get("/s/security/report/lost_documents").status_code in (302, 401)
    login_citizen(client)
    form = {"csrf_token": csrf_token(client), "category": "id_card", "description": "Mất thẻ căn cước ở chợ",
            "occurred": "20/09/2026", "place": "Chợ phường"}
    assert client.post("/s/security/report/lost_documents", data=form).status_code == 400  # no consent
    done = client.post("/s/security/report/lost_documents", data={**form, "agree": "yes"})
    code = re.search(r'id="tracking-code" class="mono">([^<]+)<', done.get_data(as_text=True)).group(1)
    assert f'data-code="{code}" data-status="received"' in client.get("/s/security/reports").get_data(as_text=True)
    station_clock.advance(60)
    assert f'data-code="{code}" data-status="verifying"' in client.get("/s/security/reports").get_data(as_text=True)
    other = app.test_client()
    login_citizen(other)
    assert code not in other.get("/s/security/reports").get_data(as_text=True)
    home = app.extensions["station"].config.home
    raw = b"".join(p.read_bytes() for p in home.glob("station.db*"))
    assert "Mất thẻ căn cước".encode() not in raw


def test_contacts_show_the_police_and_the_station_area(app):
    page = app.test_client().get("/s/security/contacts").get_data(as_text=True)
    for words in ("Công an phường Thử Nghiệm", "024 0000 1234", "Thiếu uý Mẫu", "Tổ dân phố 1-8",
                  "Nhà văn hoá tổ 5", "Trạm thử nghiệm"):
        assert words in page


def _report(client, form):
    return client.post("/s/security/report/lost_documents", data=form)


def test_reports_list_is_paginated_and_filing_is_rate_limited_per_citizen_and_per_station(
        app, csrf_token, login_citizen, station_clock):
    """Failure 8 of the fault campaign: 908 reports on one page, ~900 reports per citizen in 3 minutes."""
    client = app.test_client()

    def form():  # (re)login as the same citizen: the kiosk session ends after 2 idle minutes
        login_citizen(client, id_hash="c" * 64)
        return {"csrf_token": csrf_token(client), "category": "id_card", "description": "Mất thẻ căn cước ở chợ",
                "occurred": "20/09/2026", "place": "Chợ", "agree": "yes"}

    data = form()
    for _ in range(10):
        assert _report(client, data).status_code == 200
    refused = _report(client, data)
    assert refused.status_code == 429
    assert "Đã đạt giới hạn" in refused.get_data(as_text=True)
    station_clock.advance(3601)  # an hour later the citizen may file again
    for _ in range(15):
        station_clock.advance(400)  # 9 an hour: within the per-citizen limit
        assert _report(client, form()).status_code == 200
    first = client.get("/s/security/reports").get_data(as_text=True)
    assert first.count("data-code=") == 20 and "Trang 1 / 2" in first and 'rel="next"' in first
    second = client.get("/s/security/reports?page=2").get_data(as_text=True)
    assert second.count("data-code=") == 5 and 'rel="prev"' in second
    assert client.get("/s/security/reports?page=99").status_code == 200  # past the end: the last page
    assert set(re.findall(r'data-code="([^"]+)"', first)).isdisjoint(re.findall(r'data-code="([^"]+)"', second))


def test_anonymous_tips_are_limited_per_station(app, csrf_token):
    client = app.test_client()
    form = {"csrf_token": csrf_token(client), "category": "drugs", "description": "Có người lạ đi lại nhiều lần",
            "occurred": "20/09/2026", "place": "Ngõ 5"}
    statuses = [client.post("/s/security/tip", data=form).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_the_alert_page_shows_the_time_in_the_station_time_zone(make_station, csrf_token, station_clock):
    """A station configured in Asia/Tokyo (UTC+9) shows Tokyo time, not a fixed UTC+7."""
    from datetime import UTC, datetime, timedelta

    site = {"id": "test-station", "name_vi": "Trạm thử nghiệm", "name_en": "Test station",
            "address": "Test address", "timezone": "Asia/Tokyo"}
    app = make_station(plugins=["security"], site=site,
                       connectors={"ward_police": {"kind": "simulator", "step_seconds": 60}})
    client = app.test_client()
    page = client.post("/s/security/alert", data={"service": "115", "csrf_token": csrf_token(client)}
                       ).get_data(as_text=True)
    moment = datetime.fromtimestamp(station_clock(), UTC)
    assert (moment + timedelta(hours=9)).strftime("%d/%m/%Y %H:%M") in page
    assert (moment + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M") not in page
