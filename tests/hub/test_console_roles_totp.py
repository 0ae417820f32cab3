"""Hub console accounts: roles (viewer < operator < admin) enforced on every change, and
TOTP codes that work once, sealed at rest."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pyotp

from hub.cli import main
from hub.config import load_staff_key
from hub.db import Alert, HubEvent, HubStaff
from hub.service import raise_alert
from hub.staff import add_staff

PASSWORD = "một mật khẩu dài đủ 2026"


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _login(client, username, code=""):
    token = _csrf(client.get("/login"))
    return client.post("/login", data={"username": username, "password": PASSWORD, "code": code,
                                       "csrf_token": token})


def test_each_role_can_do_what_it_includes_and_no_more(hub_apps, hub_clock):
    for role in ("viewer", "operator", "admin"):
        add_staff(role, PASSWORD, hub_clock(), role=role)
    raise_alert("st-0000000000000001", "offline", "silent", hub_clock())
    alert = Alert.get()
    document = json.dumps({"opening_hours": {"mon": "08:00-17:00"}})
    outcomes = {}
    for role in ("viewer", "operator", "admin"):
        client = hub_apps[0].test_client()
        assert _login(client, role).status_code == 302
        token = _csrf(client.get("/"))
        ack = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
        save = client.post("/config", data={"scope": "fleet", "document": document, "action": "save",
                                            "csrf_token": token})
        preview = client.post("/config", data={"scope": "fleet", "document": document, "action": "preview",
                                               "csrf_token": token})
        outcomes[role] = (ack.status_code, save.status_code, preview.status_code)
        if ack.status_code == 302:
            Alert.update(acknowledged_at=None, acknowledged_by=None).execute()
    # acknowledge: 403 for viewers; save: admins only; everyone may look and preview
    assert outcomes == {"viewer": (403, 403, 200), "operator": (302, 403, 200), "admin": (302, 200, 200)}
    assert [(e.actor, e.action) for e in HubEvent.select().order_by(HubEvent.id)] == [
        ("operator", "alert.acknowledge"), ("admin", "alert.acknowledge"), ("admin", "config.set")]


def test_a_totp_account_needs_a_fresh_code_each_login(hub_apps, hub_clock, hub_config):
    key = load_staff_key(hub_config)
    uri = add_staff("minh", PASSWORD, hub_clock(), role="operator", with_totp=True, staff_key=key)
    secret = pyotp.parse_uri(uri).secret
    assert secret not in HubStaff.get().totp_secret  # sealed at rest
    code = pyotp.TOTP(secret).at(datetime.fromtimestamp(hub_clock(), UTC))
    client = hub_apps[0].test_client()
    assert _login(client, "minh").status_code == 401  # password alone is not enough
    assert _login(client, "minh", "000000" if code != "000000" else "111111").status_code == 401
    assert _login(client, "minh", code).status_code == 302
    other = hub_apps[1].test_client()
    assert _login(other, "minh", code).status_code == 401  # the same code, again: refused
    hub_clock.advance(30)
    assert _login(other, "minh", pyotp.TOTP(secret).at(datetime.fromtimestamp(hub_clock(), UTC))).status_code == 302


def test_cli_adds_staff_with_role_and_totp_and_resets_it(hub_config, monkeypatch, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", hub_config.database_url)
    monkeypatch.setenv("HUB_SECRETS", str(hub_config.secrets_dir))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert main(["add-staff", "hoa", "--role", "viewer", "--totp", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "hub staff hoa added (viewer)" in out and "otpauth://totp/" in out and "▀" in out
    first = HubStaff.get(HubStaff.username == "hoa").totp_secret
    assert main(["totp-reset", "hoa"]) == 0 and "otpauth://totp/" in capsys.readouterr().out
    assert HubStaff.get(HubStaff.username == "hoa").totp_secret != first
    assert [e.action for e in HubEvent.select().order_by(HubEvent.id)] == ["staff.add", "staff.totp_reset"]
    assert main(["totp-reset", "nobody"]) == 2
    assert main(["add-staff", "x", "--role", "king", "--password-stdin"]) == 2
