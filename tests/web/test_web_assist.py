"""Help on every kiosk page: call staff (alert in the console), read aloud, greeting, card reminder."""

from __future__ import annotations

import shutil
import struct

import pytest


def test_call_staff_raises_an_alert_the_console_shows_and_confirms_to_the_citizen(web_station, csrf_token,
                                                                                  login_staff, station_clock):
    kiosk = web_station.test_client()
    page = kiosk.get("/s/healthcare/", follow_redirects=True).get_data(as_text=True)
    assert 'id="help-call"' in page and "Gọi nhân viên hỗ trợ" in page
    response = kiosk.post("/help", data={"csrf_token": csrf_token(kiosk), "next": "/login/"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nhân viên đã được báo, vui lòng chờ tại trạm." in text and 'href="/login/" id="help-back"' in text

    console = web_station.test_client()
    login_staff(console)
    listed = console.get("/pay/alerts", headers={"Accept": "application/json"}).get_json()["alerts"]
    help_alerts = [a for a in listed if a["kind"] == "help_request"]
    assert len(help_alerts) == 1 and "cần nhân viên hỗ trợ" in help_alerts[0]["message"]["vi"]
    assert 'id="alert-badge"' in console.get("/console/").get_data(as_text=True)

    # the same session cannot call again within a minute (429, the citizen is told to wait) ...
    again = kiosk.post("/help", data={"csrf_token": csrf_token(kiosk)}, headers={"Accept": "application/json"})
    assert again.status_code == 429 and "vui lòng chờ tại trạm" in again.get_json()["message"]
    # ... and after a minute, while the first alert is still open, it stays one alert
    station_clock.advance(61)
    assert kiosk.post("/help", data={"csrf_token": csrf_token(kiosk)},
                      headers={"Accept": "application/json"}).get_json()["called"] is True
    listed = console.get("/pay/alerts", headers={"Accept": "application/json"}).get_json()["alerts"]
    assert len([a for a in listed if a["kind"] == "help_request"]) == 1


def test_call_staff_needs_the_csrf_token(web_station):
    kiosk = web_station.test_client()
    kiosk.get("/")
    assert kiosk.post("/help", data={}).status_code in (400, 403)


def test_call_staff_is_limited_to_five_an_hour_per_session(web_station, csrf_token, station_clock):
    kiosk = web_station.test_client()
    codes = []
    for _ in range(6):
        codes.append(kiosk.post("/help", data={"csrf_token": csrf_token(kiosk)},
                                headers={"Accept": "application/json"}).status_code)
        station_clock.advance(61)
    assert codes == [200] * 5 + [429]


def test_greeting_by_name_after_login_and_card_reminder_after_logout(web_station, login_citizen, csrf_token):
    client = web_station.test_client()
    assert 'id="greeting"' not in client.get("/").get_data(as_text=True)
    login_citizen(client, method="card", identity={"id_number": "001090000123", "full_name": "Nguyễn Văn A"})
    page = client.get("/").get_data(as_text=True)
    assert "Xin chào, Nguyễn Văn A" in page
    assert 'id="idle-card-reminder"' in page  # the idle countdown reminds of the card too
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/?bye=card"
    home = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nhớ lấy thẻ căn cước của bạn khỏi đầu đọc thẻ." in home and "Nguyễn Văn A" not in home


def test_no_card_reminder_after_a_vneid_session(web_station, login_citizen, csrf_token):
    client = web_station.test_client()
    login_citizen(client, method="vneid", identity={"id_number": "001090000124", "full_name": "Trần Thị B"})
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="idle-card-reminder"' not in english
    response = client.post("/logout", data={"reason": "idle", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


def _is_wave(data: bytes) -> bool:
    riff, size, wave = struct.unpack("<4sI4s", data[:12])
    return riff == b"RIFF" and wave == b"WAVE" and size == len(data) - 8 and b"data" in data[:100]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_read_aloud_returns_a_wave_in_vietnamese_and_english(web_station, csrf_token):
    client = web_station.test_client()
    assert 'id="read-aloud"' in client.get("/").get_data(as_text=True)
    headers = {"X-CSRF-Token": csrf_token(client)}
    vi = client.post("/speech", json={"text": "Xin chào! Bạn cần làm gì hôm nay?", "lang": "vi"}, headers=headers)
    en = client.post("/speech", json={"text": "Hello! What would you like to do today?", "lang": "en"},
                     headers=headers)
    assert vi.status_code == 200 and vi.mimetype == "audio/wav" and _is_wave(vi.data)
    assert en.status_code == 200 and _is_wave(en.data) and en.data != vi.data
    assert client.get("/healthz").get_json()["read_aloud"] == "on"


def test_read_aloud_refuses_empty_long_or_unknown_language_text(web_station, csrf_token):
    client = web_station.test_client()
    client.get("/")
    headers = {"X-CSRF-Token": csrf_token(client)}
    for body in ({"text": "   ", "lang": "vi"}, {"text": "a" * 801, "lang": "vi"}, {"text": "Xin chào", "lang": "fr"},
                 {"lang": "vi"}, []):
        response = client.post("/speech", json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["message"]
    assert client.post("/speech", json={"text": "Xin chào", "lang": "vi"}).status_code in (400, 403)  # no CSRF


def test_without_espeak_the_button_is_hidden_and_healthz_says_so(web_station, csrf_token, monkeypatch):
    monkeypatch.setattr("core.speech.engine", lambda: None)
    client = web_station.test_client()
    assert 'id="read-aloud"' not in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").get_json()["read_aloud"].startswith("off: espeak-ng")
    response = client.post("/speech", json={"text": "Xin chào", "lang": "vi"},
                           headers={"X-CSRF-Token": csrf_token(client)})
    assert response.status_code == 503 and response.get_json()["message"]


def test_read_aloud_is_limited_per_session(web_station, csrf_token, monkeypatch, station_clock):
    monkeypatch.setattr("core.speech.engine", lambda: None)   # the limit comes before the engine
    client = web_station.test_client()
    client.get("/")
    headers = {"X-CSRF-Token": csrf_token(client)}
    codes = [client.post("/speech", json={"text": "Xin chào", "lang": "vi"}, headers=headers).status_code
             for _ in range(21)]
    assert codes == [503] * 20 + [429]
    station_clock.advance(61)
    assert client.post("/speech", json={"text": "Xin chào", "lang": "vi"}, headers=headers).status_code == 503
