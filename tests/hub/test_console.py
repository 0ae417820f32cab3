"""The hub console: real staff login (argon2id), CSRF on every change, the fleet overview."""

from __future__ import annotations

import re

import pytest

from core.errors import UserInputError
from hub.console import add_staff
from hub.db import Alert, HubStaff
from hub.service import create_enrolment_code, raise_alert

PASSWORD = "một mật khẩu dài đủ 2026"


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _login(client, password=PASSWORD):
    token = _csrf(client.get("/login"))
    return client.post("/login", data={"username": "lan", "password": password, "csrf_token": token})


def test_overview_needs_login_and_shows_stations_health_and_alerts(hub_apps, make_station, hub_clock):
    add_staff("lan", PASSWORD, hub_clock())
    assert HubStaff.get().password_hash.startswith("$argon2id$")
    station = make_station("hn-hoankiem-01")
    station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock()))
    station.signed(hub_apps[0].test_client(), "/api/v1/messages", {"messages": [
        {"id": "beat-000001", "kind": "heartbeat", "created": hub_clock(),
         "body": {"version": "0.1.0", "devices": {"printer-1": {"status": "ERROR", "reason": "hết giấy"},
                                                   "card-1": {"status": "READY", "reason": ""}}}}]})
    raise_alert(station.station_id, "audit-fork", "the log forked", hub_clock())

    client = hub_apps[1].test_client()
    assert client.get("/").status_code == 302
    assert _login(client, "wrong password!!").status_code == 401
    assert _login(client).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "hn-hoankiem-01" in page and "0.1.0" in page and "trực tuyến / online" in page
    assert "printer-1: lỗi / error (hết giấy)" in page and "card-1" not in page
    assert "audit-fork" in page
    hub_clock.advance(601)  # HUB_OFFLINE_MINUTES: 10 by default
    page = client.get("/").get_data(as_text=True)
    assert "mất kết nối / offline" in page and "offline: no word from the station for 10 minutes" in page
    assert "device:printer-1" in page  # the printer's trouble was alerted

    alert = Alert.get(Alert.kind == "audit-fork")
    refused = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": "forged"})
    assert refused.status_code == 400 and Alert.get_by_id(alert.id).acknowledged_at is None
    token = _csrf(client.get("/"))
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 302
    assert Alert.get_by_id(alert.id).acknowledged_by == "lan"
    # The session works on the other hub process too: nothing is kept in memory.
    with hub_apps[0].test_client() as other:
        other.set_cookie("session", client.get_cookie("session").value)
        assert other.get("/").status_code == 200


def test_weak_hub_passwords_are_refused(hub_apps, hub_clock):
    with pytest.raises(UserInputError):
        add_staff("lan", "short", hub_clock())


def test_console_pages_send_a_csp_and_use_the_static_stylesheet(hub_apps, hub_clock):
    """No inline style on hub pages: the stylesheet is a static file the CSP allows."""
    add_staff("lan", PASSWORD, hub_clock())
    client = hub_apps[0].test_client()
    assert _login(client).status_code == 302
    for path in ("/login", "/", "/open-data", "/planning"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        csp = response.headers["Content-Security-Policy"]
        assert "style-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert "<style" not in page and " style=" not in page and "<script" not in page
        assert 'href="/static/hub.css"' in page
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    sheet = client.get("/static/hub.css")
    assert sheet.status_code == 200 and b"#station-map" in sheet.data and b"svg .whisker" in sheet.data
