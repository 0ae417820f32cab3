"""`station keys rotate` re-seals staff TOTP secrets (issue 23, critical item 2), and the
TOTP reset, enable and remove commands of `station users`.
"""

import io
import json
import re

import pyotp
import pytest

from core import db
from core.app import create_app
from core.cli import main
from core.config import load_config
from core.privacy import sealed
from sdk.testing import FakeClock

PASSWORD = "correct horse battery"


@pytest.fixture
def site(tmp_path, capsys, monkeypatch):
    home = tmp_path / "site"
    assert main(["--home", str(home), "init", "--site-id", "test-keys"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--home", str(home), "users", "add", "lan", "--role", "manager", "--totp", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    secret = re.search(r"secret=([A-Z2-7]+)", out).group(1)
    yield home, secret
    db.database.close()


CLOCK = FakeClock()


@pytest.fixture
def csrf_login(csrf_token):
    """Log in with the code of a new 30 s step each time (a TOTP code works only once)."""
    def login(app, secret):
        CLOCK.advance(31)
        client = app.test_client()
        return client.post("/staff/login", data={"username": "lan", "password": PASSWORD,
                                                 "code": pyotp.TOTP(secret).at(int(CLOCK())),
                                                 "csrf_token": csrf_token(client)})
    return login


def _app(home):
    app = create_app(load_config(home), clock=CLOCK)
    app.config["TESTING"] = True
    return app


def _run(home, capsys, *args):
    code = main(["--home", str(home), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_totp_login_works_after_keys_rotate_in_a_new_and_in_an_already_running_station(site, capsys, csrf_login):
    home, secret = site
    running = _app(home)  # a station started before the rotation
    assert csrf_login(running, secret).status_code == 302
    kek_before = (home / "secrets" / "data.kek").read_bytes()

    code, out, err = _run(home, capsys, "keys", "rotate", "--yes")
    assert code == 0, err
    assert "re-sealed 1 staff TOTP secrets" in out and "BACK UP THE NEW KEY NOW" in out
    assert (home / "secrets" / "data.kek").read_bytes() != kek_before
    assert sorted(p.name for p in (home / "secrets").iterdir() if p.name.startswith("data.kek")) == ["data.kek"]

    assert csrf_login(running, secret).status_code == 302
    assert csrf_login(_app(home), secret).status_code == 302
    status = json.loads(_run(home, capsys, "keys", "status")[1])
    assert status["sealed_secrets_by_kek"] == {status["current_kek_id"]: 1}
    rotate = [json.loads(line) for line in _run(home, capsys, "audit", "export")[1].splitlines()
              if '"keys.rotate"' in line]
    assert rotate[0]["details"]["resealed"] == 1 and rotate[0]["actor"].startswith("os:")


def test_a_secret_sealed_before_kek_ids_were_recorded_is_resealed(site, capsys, csrf_login):
    """Stations upgraded from the old format hold TOTP secrets as bare hex under data.kek."""
    import hashlib
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from core.identity.models import StaffUser

    home, secret = site
    app = _app(home)
    kek = (home / "secrets" / "data.kek").read_bytes()
    with app.app_context():
        user = StaffUser.get(StaffUser.username == "lan")
        nonce = os.urandom(12)
        legacy = AESGCM(hashlib.sha256(b"citizen-station totp v1" + kek).digest()).encrypt(
            nonce, secret.encode(), f"staff_user.totp_secret.{user.id}".encode())
        user.totp_secret = (nonce + legacy).hex()
        user.save()
    assert csrf_login(app, secret).status_code == 302
    assert _run(home, capsys, "keys", "rotate", "--yes")[0] == 0
    assert csrf_login(_app(home), secret).status_code == 302


def test_a_rotation_interrupted_half_way_leaves_the_old_key_in_force_and_everything_readable(
        site, capsys, csrf_login, monkeypatch):
    home, secret = site
    kek_before = (home / "secrets" / "data.kek").read_bytes()

    original = sealed.reseal_all

    def crash_after_resealing(*args, **kwargs):
        original(*args, **kwargs)  # the TOTP secret is re-sealed in the transaction ...
        raise RuntimeError("power cut")  # ... which never commits

    monkeypatch.setattr(sealed, "reseal_all", crash_after_resealing)
    with pytest.raises(RuntimeError, match="power cut"):
        main(["--home", str(home), "keys", "rotate", "--yes"])
    capsys.readouterr()
    db.database.close()
    monkeypatch.setattr(sealed, "reseal_all", original)

    assert (home / "secrets" / "data.kek").read_bytes() == kek_before  # the old key is still in force
    assert csrf_login(_app(home), secret).status_code == 302
    assert '"keys.rotate"' not in _run(home, capsys, "audit", "export")[1]  # nothing half-written
    status = json.loads(_run(home, capsys, "keys", "status")[1])
    assert status["rotation_in_progress"] is True
    assert list(status["sealed_secrets_by_kek"]) == [status["current_kek_id"]]

    code, out, err = _run(home, capsys, "keys", "rotate", "--yes")  # running it again completes it
    assert code == 0 and "completed an interrupted rotation" in out, err
    assert (home / "secrets" / "data.kek").read_bytes() != kek_before
    assert csrf_login(_app(home), secret).status_code == 302


def test_keys_rotate_asks_for_confirmation_naming_its_effect(site, capsys, monkeypatch):
    home, _ = site
    kek_before = (home / "secrets" / "data.kek").read_bytes()
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["--home", str(home), "keys", "rotate"]) == 1
    out = capsys.readouterr().out
    assert "Every data key and TOTP secret is re-sealed under a new key" in out
    assert (home / "secrets" / "data.kek").read_bytes() == kek_before


def test_totp_reset_gives_a_new_secret_and_the_old_one_stops_working(site, capsys, csrf_login):
    home, old_secret = site
    code, out, err = _run(home, capsys, "users", "totp-reset", "lan", "--yes")
    assert code == 0, err
    new_secret = re.search(r"secret=([A-Z2-7]+)", out).group(1)
    assert "Scan this QR code" in out and ("█" in out or "▀" in out)
    app = _app(home)
    assert csrf_login(app, old_secret).status_code == 401 or old_secret == new_secret
    assert csrf_login(app, new_secret).status_code == 302
    assert _run(home, capsys, "users", "totp-reset", "lan", "--off", "--yes")[0] == 0
    actions = [json.loads(line)["action"] for line in _run(home, capsys, "audit", "export")[1].splitlines()]
    assert actions.count("users.totp_reset") == 2


def test_users_enable_and_remove_are_audited_and_remove_needs_confirmation(site, capsys, csrf_login, monkeypatch):
    home, secret = site
    assert _run(home, capsys, "users", "disable", "lan", "--yes")[0] == 0
    assert csrf_login(_app(home), secret).status_code == 401
    assert _run(home, capsys, "users", "enable", "lan")[0] == 0
    assert csrf_login(_app(home), secret).status_code == 302

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["--home", str(home), "users", "remove", "lan"]) == 1
    assert "Delete the account 'lan' and end its sessions?" in capsys.readouterr().out
    assert "lan" in _run(home, capsys, "users", "list")[1]
    assert _run(home, capsys, "users", "remove", "lan", "--yes")[0] == 0
    assert "lan" not in _run(home, capsys, "users", "list")[1]
    assert _run(home, capsys, "users", "remove", "lan", "--yes")[0] == 2
    entries = [json.loads(line) for line in _run(home, capsys, "audit", "export")[1].splitlines()]
    done = [(e["action"], e["object"]) for e in entries if e["action"].startswith("users.")]
    assert done[-3:] == [("users.disable", "staff:lan"), ("users.enable", "staff:lan"), ("users.remove", "staff:lan")]
    assert all(e["actor"].startswith("os:") for e in entries if e["action"].startswith("users."))
