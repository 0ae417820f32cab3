"""Staff login: argon2id, TOTP, generic failures, throttling, console access, users CLI."""

import re

import pyotp
import pytest

from core.cli import main
from core.identity.models import StaffUser
from core.sessions import COOKIE_NAME

PASSWORD = "correct horse battery"


@pytest.fixture
def app(make_station):
    return make_station(plugins=["healthcare"])


def _add(app, username="lan", roles=("manager",), totp=False):
    with app.app_context():
        return app.extensions["station"].staff.add(username, PASSWORD, list(roles), "Lan", with_totp=totp)


def _login(client, csrf_token, username="lan", password=PASSWORD, code=""):
    return client.post("/staff/login", data={"username": username, "password": password, "code": code,
                                             "csrf_token": csrf_token(client)})


def test_password_is_stored_as_argon2id(app):
    _add(app)
    with app.app_context():
        assert StaffUser.get(StaffUser.username == "lan").password_hash.startswith("$argon2id$")


def test_staff_login_opens_the_console_with_a_new_session_id(app, csrf_token):
    _add(app)
    client = app.test_client()
    client.get("/staff/login")
    before = client.get_cookie(COOKIE_NAME).value if client.get_cookie(COOKIE_NAME) else None
    response = _login(client, csrf_token)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    assert client.get_cookie(COOKIE_NAME).value != before
    page = client.get("/console/").get_data(as_text=True)
    assert 'data-plugin="healthcare"' in page
    with app.app_context():
        entries = list(app.extensions["station"].audit.export())
    assert '"action":"staff.login"' in entries[-1] and '"outcome":"ok"' in entries[-1]


@pytest.mark.parametrize("username, password", [("lan", "wrong password!"), ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_answer(app, csrf_token, username, password):
    _add(app)
    client = app.test_client()
    response = _login(client, csrf_token, username=username, password=password)
    assert response.status_code == 401
    assert "Sai tên đăng nhập, mật khẩu hoặc mã." in response.get_data(as_text=True)
    assert _sent_to_login(client.get("/console/"))


def test_totp_is_required_when_set_up(app, csrf_token, station_clock):
    _, uri = _add(app, totp=True)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    client = app.test_client()
    assert _login(client, csrf_token, code="").status_code == 401
    assert _login(client, csrf_token, code="000000" if pyotp.TOTP(secret).at(int(station_clock())) != "000000"
                  else "111111").status_code == 401
    good = pyotp.TOTP(secret).at(int(station_clock()))
    assert _login(client, csrf_token, code=good).status_code == 302


def test_totp_secret_is_encrypted_at_rest(app):
    _, uri = _add(app, totp=True)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    with app.app_context():
        stored = StaffUser.get(StaffUser.username == "lan").totp_secret
    assert secret not in stored and len(stored) > 40


def test_failed_attempts_are_throttled_then_released_after_a_short_wait(app, csrf_token, station_clock):
    _add(app)
    client = app.test_client()
    for _ in range(5):
        assert _login(client, csrf_token, password="wrong password!").status_code == 401
    throttled = _login(client, csrf_token)  # even the right password must wait now
    assert throttled.status_code == 401
    assert "Đăng nhập sai quá nhiều lần" in throttled.get_data(as_text=True)
    station_clock.advance(16)
    assert _login(client, csrf_token).status_code == 302


def test_lockout_is_capped_at_five_minutes(app, csrf_token, station_clock):
    _add(app)
    client = app.test_client()
    for _ in range(20):
        _login(client, csrf_token, password="wrong password!")
        station_clock.advance(1)
    station_clock.advance(300)
    assert _login(client, csrf_token).status_code == 302


def test_disabled_account_loses_its_session_at_once(app, csrf_token):
    _add(app)
    client = app.test_client()
    _login(client, csrf_token)
    assert client.get("/console/").status_code == 200
    with app.app_context():
        app.extensions["station"].staff.disable("lan")
    assert _sent_to_login(client.get("/console/"))


def test_citizen_cannot_open_the_console(app, login_citizen):
    client = app.test_client()
    login_citizen(client)
    response = client.get("/console/")
    assert response.status_code == 403 and "dành cho nhân viên" in response.get_data(as_text=True)


def test_login_next_parameter_cannot_redirect_off_site(app, csrf_token):
    _add(app)
    client = app.test_client()
    response = client.post("/staff/login", data={"username": "lan", "password": PASSWORD, "code": "",
                                                 "next": "//evil.example/", "csrf_token": csrf_token(client)})
    assert response.headers["Location"].endswith("/console/")


def test_users_cli_add_passwd_disable_are_audited(tmp_path, capsys, monkeypatch):
    import io

    home = str(tmp_path / "site")
    assert main(["--home", home, "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["--home", home, "users", "add", "minh", "--role", "operator", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--home", home, "users", "passwd", "minh", "--password-stdin"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert main(["--home", home, "users", "disable", "minh", "--yes"]) == 0
    assert main(["--home", home, "users", "disable", "ghost", "--yes"]) == 2
    assert main(["--home", home, "users", "add", "x", "--role", "king", "--password-stdin"]) == 2
    capsys.readouterr()
    assert main(["--home", home, "audit", "export"]) == 0
    out = capsys.readouterr().out
    assert '"action":"users.add"' in out and '"action":"users.disable"' in out
    assert "a long enough password" not in out


def _sent_to_login(response) -> bool:
    """Refused: an HTML page request is redirected to a login screen."""
    return response.status_code == 302 and "/login" in response.headers["Location"]
