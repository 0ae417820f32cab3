"""Failed staff logins are audited with the account and the reason; repeated failures raise
a manager alert (issue 23). The person at the door still sees one generic message."""

import json

import pyotp
import pytest

PASSWORD = "correct horse battery"


@pytest.fixture
def app(make_station):
    app = make_station(plugins=[])
    with app.app_context():
        app.extensions["station"].staff.add("lan", PASSWORD, ["manager"], "Lan", with_totp=False)
        _, uri = app.extensions["station"].staff.add("minh", PASSWORD, ["operator"], "Minh", with_totp=True)
    app.config["MINH_URI"] = uri
    return app


def _login(app, csrf_token, username, password=PASSWORD, code=""):
    client = app.test_client()
    return client.post("/staff/login", data={"username": username, "password": password, "code": code,
                                             "csrf_token": csrf_token(client)})


def _refusals(app):
    with app.app_context():
        entries = [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]
    return [(e["object"], e["details"].get("reason")) for e in entries
            if e["action"] == "staff.login" and e["outcome"] == "refused"]


def test_each_failure_is_audited_with_the_account_and_the_reason(app, csrf_token, station_clock):
    assert _login(app, csrf_token, "lan", password="wrong password!!").status_code == 401
    assert _login(app, csrf_token, "minh", code="").status_code == 401
    response = _login(app, csrf_token, "correct horse battery")  # a password typed as the user name
    assert response.status_code == 401 and "Sai tên đăng nhập, mật khẩu hoặc mã." in response.get_data(as_text=True)
    with app.app_context():
        app.extensions["station"].staff.disable("lan")
    assert _login(app, csrf_token, "lan").status_code == 401
    assert _refusals(app) == [("staff:lan", "wrong_password"), ("staff:minh", "wrong_code"),
                              ("staff-login", "unknown_account"), ("staff:lan", "disabled")]
    with app.app_context():
        leaves = "".join(app.extensions["station"].audit.export())
    assert "correct horse battery" not in leaves


def test_repeated_failures_raise_one_manager_alert_and_throttled_attempts_are_audited(app, csrf_token):
    for _ in range(5):
        assert _login(app, csrf_token, "lan", password="wrong password!!").status_code == 401
    with app.app_context():
        alerts = app.extensions["payments"].open_alerts()
    assert [(a.kind, a.object_ref) for a in alerts] == [("staff.login_failures", "staff:lan")]
    assert "tài khoản lan" in alerts[0].message_vi
    response = _login(app, csrf_token, "lan")  # right password, but now throttled
    assert response.status_code == 401 and "Đăng nhập sai quá nhiều lần" in response.get_data(as_text=True)
    assert _refusals(app)[-1] == ("staff:lan", "throttled")
    with app.app_context():
        assert len(app.extensions["payments"].open_alerts()) == 1


def test_a_good_totp_login_is_not_a_failure(app, csrf_token, station_clock):
    secret = app.config["MINH_URI"].split("secret=")[1].split("&")[0]
    assert _login(app, csrf_token, "minh", code=pyotp.TOTP(secret).at(int(station_clock()))).status_code == 302
    assert _refusals(app) == []
