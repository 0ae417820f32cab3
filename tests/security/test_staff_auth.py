"""Issue 16 items 1, 5 and 8: a TOTP code works once, the login throttle counts atomically
(SQLite and PostgreSQL), staff passwords are long and uncommon, a password change ends the
account's sessions."""

from __future__ import annotations

import re
import threading

import pyotp
import pytest

from core import db
from core.cli import main
from core.errors import UserInputError
from core.identity.passwords import check_password_rules, common_passwords
from core.identity.staff import LoginFailed, StaffDirectory
from sdk.testing import TemporaryPostgresDatabase, require_postgres

PASSWORD = "correct horse battery"


def _add(app, username="lan", totp=False):
    with app.app_context():
        return app.extensions["station"].staff.add(username, PASSWORD, ["manager"], "Lan", with_totp=totp)


def _login(client, csrf_token, code="", password=PASSWORD):
    return client.post("/staff/login", data={"username": "lan", "password": password, "code": code,
                                             "csrf_token": csrf_token(client)})


def test_a_totp_code_logs_in_once_and_an_older_step_is_refused(make_station, csrf_token, station_clock):
    app = make_station(plugins=[])
    _, uri = _add(app, totp=True)
    totp = pyotp.TOTP(re.search(r"secret=([A-Z2-7]+)", uri).group(1))
    now = int(station_clock())
    assert _login(app.test_client(), csrf_token, code=totp.at(now)).status_code == 302
    replay = _login(app.test_client(), csrf_token, code=totp.at(now))
    assert replay.status_code == 401 and "Sai tên đăng nhập, mật khẩu hoặc mã." in replay.get_data(as_text=True)
    assert _login(app.test_client(), csrf_token, code=totp.at(now - 30)).status_code == 401
    station_clock.advance(30)
    assert _login(app.test_client(), csrf_token, code=totp.at(now + 30)).status_code == 302


def test_the_previous_step_still_works_for_clock_drift_when_unused(make_station, csrf_token, station_clock):
    app = make_station(plugins=[])
    _, uri = _add(app, totp=True)
    totp = pyotp.TOTP(re.search(r"secret=([A-Z2-7]+)", uri).group(1))
    assert _login(app.test_client(), csrf_token, code=totp.at(int(station_clock()) - 30)).status_code == 302


def _guess_in_parallel(app, attempts: int = 40) -> tuple[int, list[object]]:
    """``attempts`` threads send a wrong password at once; returns (passwords checked, outcomes)."""
    staff: StaffDirectory = app.extensions["station"].staff
    checked = []
    real_check = staff._password_ok

    def counting_check(user, password):
        checked.append(1)
        return real_check(user, password)

    staff._password_ok = counting_check
    barrier = threading.Barrier(attempts)
    outcomes: list[object] = [None] * attempts

    def guess(slot: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                staff.authenticate("lan", f"wrong guess {slot:04d}", "", "203.0.113.7")
            except Exception as exc:  # asserted below
                outcomes[slot] = exc
            finally:
                db.database.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return len(checked), outcomes


def _assert_five_checked(app) -> None:
    _add(app)
    checked, outcomes = _guess_in_parallel(app)
    assert all(isinstance(o, LoginFailed) for o in outcomes), [o for o in outcomes if not isinstance(o, LoginFailed)]
    assert checked == 5
    assert sum("Too many failed attempts" in str(o) for o in outcomes) == 35


def test_forty_parallel_wrong_passwords_check_only_five_on_sqlite(make_station):
    _assert_five_checked(make_station(plugins=[]))


@pytest.mark.postgres
def test_forty_parallel_wrong_passwords_check_only_five_on_postgresql(make_station):
    temp = TemporaryPostgresDatabase(require_postgres())
    try:
        app = make_station(plugins=[], database_url=temp.url)
        _assert_five_checked(app)
    finally:
        db.database.close()
        temp.drop()


@pytest.mark.parametrize("password", ["short-pass1", "Password@1234", "1234567890123", "matkhau12345",
                                      "QWERTYUIOP12", "lan-lan-lan1"])
def test_short_common_or_username_passwords_are_refused(password):
    with pytest.raises(UserInputError):
        check_password_rules(password, "lan-lan")


def test_the_common_password_list_ships_and_a_good_password_passes():
    assert len(common_passwords()) > 100 and all(len(p) >= 12 for p in common_passwords())
    check_password_rules("tram cong dan so phuong 7", "lan")


def test_password_change_ends_the_accounts_sessions(make_station, csrf_token, tmp_path, monkeypatch):
    app = make_station(plugins=[])
    _add(app)
    _add(app, username="minh")
    lan, minh = app.test_client(), app.test_client()
    assert _login(lan, csrf_token).status_code == 302
    assert minh.post("/staff/login", data={"username": "minh", "password": PASSWORD, "code": "",
                                           "csrf_token": csrf_token(minh)}).status_code == 302
    with app.app_context():
        app.extensions["station"].staff.set_password("lan", "a new and long passphrase")
    assert lan.get("/console/").status_code == 302  # sent to the login page
    assert minh.get("/console/").status_code == 200  # other accounts keep theirs
    assert _login(lan, csrf_token, password="a new and long passphrase").status_code == 302


def test_cli_refuses_a_common_password_with_exit_2(tmp_path, capsys, monkeypatch):
    import io

    home = str(tmp_path / "site")
    assert main(["--home", home, "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Password@1234\n"))
    assert main(["--home", home, "users", "add", "minh", "--role", "operator", "--password-stdin"]) == 2
    assert "too common" in capsys.readouterr().err
