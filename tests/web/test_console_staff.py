"""Console staff accounts (issue 23): add with a TOTP QR code, password reset changed at the
next login, disable/enable and remove behind a confirmation page, TOTP reset — CSRF, manager
only, each audited with the manager's name."""

from __future__ import annotations

import json

import pyotp
import pytest

PASSWORD = "correct horse battery"


@pytest.fixture
def app(make_station):
    return make_station(plugins=[])


@pytest.fixture
def manager(app, login_staff):
    client = app.test_client()
    login_staff(client, roles=("manager",), username="boss")
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _audit(app, prefix="users."):
    with app.app_context():
        entries = [json.loads(x) for x in app.extensions["station"].audit.export()]
    return [(e["action"], e["actor"], e["object"]) for e in entries if e["action"].startswith(prefix)]


def _login(app, csrf_token, username, password, code=""):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post("/staff/login", data={"username": username, "password": password, "code": code,
                                                 "csrf_token": csrf_token(client)})
    return client, response


def test_add_with_totp_shows_a_qr_code_once_and_the_first_password_must_be_changed(
        app, manager, csrf_token, station_clock):
    response = manager.post("/console/staff/add", data={
        "csrf_token": csrf_token(manager), "username": "lan", "display_name": "Lan", "password": PASSWORD,
        "roles": ["operator"], "totp": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="totp-qr" src="data:image/svg+xml' in page
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    assert _audit(app) == [("users.add", "staff:boss", "staff:lan")]
    client, login = _login(app, csrf_token, "lan", PASSWORD, pyotp.TOTP(secret).at(int(station_clock())))
    assert login.status_code == 302
    assert client.get("/console/").headers["Location"].endswith("/console/password")
    bad = client.post("/console/password", data={"csrf_token": csrf_token(client), "current": PASSWORD,
                                                 "password": PASSWORD, "again": PASSWORD})
    assert bad.status_code == 400 and "different" in bad.get_data(as_text=True)
    ok = client.post("/console/password", data={"csrf_token": csrf_token(client), "current": PASSWORD,
                                                "password": "a brand new secret", "again": "a brand new secret"})
    assert ok.status_code == 302 and client.get("/console/").status_code == 200


def test_bad_input_is_a_clear_400(manager, csrf_token):
    response = manager.post("/console/staff/add", data={
        "csrf_token": csrf_token(manager), "username": "x y", "password": PASSWORD, "roles": ["operator"]})
    assert response.status_code == 400 and 'id="staff-error"' in response.get_data(as_text=True)


def test_password_reset_disable_enable_remove_are_confirmed_and_audited(app, manager, csrf_token):
    with app.app_context():
        app.extensions["station"].staff.add("minh", PASSWORD, ["operator"], "Minh")
    token = csrf_token(manager)
    manager.post("/console/staff/minh/password", data={"csrf_token": token, "password": "temporary password 1"})
    client, login = _login(app, csrf_token, "minh", "temporary password 1")
    assert login.status_code == 302 and client.get("/console/usage/").status_code == 302  # to /console/password

    confirm = manager.get("/console/staff/minh/disable").get_data(as_text=True)
    assert "can no longer log in" in confirm
    manager.post("/console/staff/minh/disable", data={"csrf_token": token})  # no confirmed=1: nothing happens
    with app.app_context():
        assert app.extensions["station"].staff.get("minh").active
    manager.post("/console/staff/minh/disable", data={"csrf_token": token, "confirmed": "1"})
    assert _login(app, csrf_token, "minh", "temporary password 1")[1].status_code == 401
    manager.post("/console/staff/minh/enable", data={"csrf_token": token})
    assert _login(app, csrf_token, "minh", "temporary password 1")[1].status_code == 302
    assert "cannot be undone" in manager.get("/console/staff/minh/remove").get_data(as_text=True)
    manager.post("/console/staff/minh/remove", data={"csrf_token": token, "confirmed": "1"})
    assert _login(app, csrf_token, "minh", "temporary password 1")[1].status_code == 401
    assert _audit(app) == [("users.passwd", "staff:boss", "staff:minh"), ("users.disable", "staff:boss", "staff:minh"),
                           ("users.enable", "staff:boss", "staff:minh"), ("users.remove", "staff:boss", "staff:minh")]


def test_totp_reset_gives_a_new_qr_and_the_old_code_stops(app, manager, csrf_token, station_clock):
    with app.app_context():
        _, uri = app.extensions["station"].staff.add("tu", PASSWORD, ["auditor"], "Tú", with_totp=True)
    old = uri.split("secret=")[1].split("&")[0]
    assert "stops working" in manager.get("/console/staff/tu/totp").get_data(as_text=True)
    page = manager.post("/console/staff/tu/totp", data={"csrf_token": csrf_token(manager), "confirmed": "1"})
    new = page.get_data(as_text=True).split('id="totp-secret">')[1].split("<")[0]
    assert new != old
    now = int(station_clock())
    assert _login(app, csrf_token, "tu", PASSWORD, pyotp.TOTP(old).at(now))[1].status_code == 401
    assert _login(app, csrf_token, "tu", PASSWORD, pyotp.TOTP(new).at(now))[1].status_code == 302
    manager.post("/console/staff/tu/totp", data={"csrf_token": csrf_token(manager), "confirmed": "1", "off": "1"})
    assert _login(app, csrf_token, "tu", PASSWORD)[1].status_code == 302
    assert _audit(app, "users.totp") == [("users.totp_reset", "staff:boss", "staff:tu")] * 2


def test_only_managers_csrf_and_not_oneself(app, manager, login_staff, csrf_token):
    assert manager.post("/console/staff/boss/disable", data={"csrf_token": csrf_token(manager), "confirmed": "1"},
                        headers={"Accept": "text/html"}).status_code == 400
    assert manager.post("/console/staff/add", data={"username": "x", "password": PASSWORD,
                                                    "roles": ["operator"]}).status_code in (400, 403)
    operator = app.test_client()
    login_staff(operator, roles=("operator",))
    assert operator.get("/console/staff/").status_code == 403
    assert operator.get("/console/operations/").status_code == 403
    assert 'id="nav-staff"' in manager.get("/console/").get_data(as_text=True)
