"""Console operations (issue 23): reconcile and open UNKNOWN payments, privacy purge with a dry
run behind a confirmation, key rotation confirmed (TOTP still works), backup, and the audit
export for an inspector in the station's time zone (CSV and printable page)."""

from __future__ import annotations

import csv
import io
import json

import pyotp
import pytest

PASSWORD = "correct horse battery"


@pytest.fixture
def app(make_station):
    return make_station(plugins=[], privacy={"retention_days": {"access_log": 30}})


@pytest.fixture
def manager(app, login_staff):
    client = app.test_client()
    login_staff(client, roles=("manager",), username="boss")
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _entries(app):
    with app.app_context():
        return [json.loads(x) for x in app.extensions["station"].audit.export()]


def test_operations_page_lists_the_sections(manager):
    page = manager.get("/console/operations/").get_data(as_text=True)
    for section in ("ops-payments", "ops-audit-export", "ops-backup", "ops-purge", "ops-keys", "no-unknown-payments"):
        assert f'id="{section}"' in page


def test_reconcile_now_is_audited_by_the_service_and_says_what_happened(manager, csrf_token):
    response = manager.post("/console/operations/reconcile", data={"csrf_token": csrf_token(manager)})
    assert response.status_code == 302
    assert "Reconciled: 0 succeeded" in manager.get("/console/operations/").get_data(as_text=True)


def test_purge_shows_a_dry_run_then_deletes_only_when_confirmed(app, manager, csrf_token):
    page = manager.get("/console/operations/purge").get_data(as_text=True)
    assert "access_log: 0 record(s) older than 30 days" in page and 'id="confirm-button"' in page
    assert not [e for e in _entries(app) if e["action"] == "privacy.purge"]
    manager.post("/console/operations/purge", data={"csrf_token": csrf_token(manager), "confirmed": "1"})
    purges = [e for e in _entries(app) if e["action"] == "privacy.purge"]
    assert [(e["actor"], e["details"]) for e in purges] == [("staff:boss", {"access_log": 0})]


def test_keys_rotate_is_confirmed_audited_and_totp_still_works(app, manager, csrf_token, station_clock):
    with app.app_context():
        _, uri = app.extensions["station"].staff.add("lan", PASSWORD, ["operator"], with_totp=True)
    assert "old key is deleted" in manager.get("/console/operations/keys-rotate").get_data(as_text=True)
    response = manager.post("/console/operations/keys-rotate", data={"csrf_token": csrf_token(manager),
                                                                     "confirmed": "1"})
    assert response.status_code == 302
    assert "Back up the new key now" in manager.get("/console/operations/").get_data(as_text=True)
    assert any(e["action"].startswith("keys.") and e["actor"] == "staff:boss" for e in _entries(app))
    client = app.test_client()
    code = pyotp.TOTP(uri.split("secret=")[1].split("&")[0]).at(int(station_clock()))
    login = client.post("/staff/login", data={"username": "lan", "password": PASSWORD, "code": code,
                                              "csrf_token": csrf_token(client)})
    assert login.status_code == 302


def test_backup_writes_a_folder_and_is_audited(app, manager, csrf_token):
    manager.post("/console/operations/backup", data={"csrf_token": csrf_token(manager)})
    home = app.extensions["station"].config.home
    folders = list((home / "backups").iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    assert [e["actor"] for e in _entries(app) if e["action"] == "station.backup"] == ["staff:boss"]
    assert folders[0].name in manager.get("/console/operations/").get_data(as_text=True)


def test_audit_export_uses_the_station_time_zone_and_carries_checkpoint_and_key(app, manager, csrf_token):
    manager.post("/console/operations/backup", data={"csrf_token": csrf_token(manager)})  # one entry
    entries = _entries(app)
    first = entries[0]
    from core.formatting import station_time

    day = station_time(first["time"], "Asia/Ho_Chi_Minh").date().isoformat()
    response = manager.get(f"/console/operations/audit-export?since={day}&until={day}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and rows[0]["index"] == str(first["i"]) and rows[0]["time_utc"] == first["time"]
    local = station_time(first["time"], "Asia/Ho_Chi_Minh")
    assert rows[0]["time_local"] == local.strftime("%d/%m/%Y %H:%M:%S")
    page = manager.get(f"/console/operations/audit-export?since={day}&until={day}").get_data(as_text=True)
    assert 'id="export-checkpoint"' in page and "\u2014 " in page.split('id="export-checkpoint"')[1]
    with app.app_context():
        assert app.extensions["station"].audit.verifier_key().encode() in page
    assert [e["actor"] for e in _entries(app) if e["action"] == "audit.export"] == ["staff:boss", "staff:boss"]  # each export
    bad = manager.get("/console/operations/audit-export?since=yesterday&until=2026-01-01",
                      headers={"Accept": "text/html"})
    assert bad.status_code == 400
