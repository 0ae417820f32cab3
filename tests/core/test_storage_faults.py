"""Disk full and read-only storage at the kiosk, and a /healthz that tells the truth.

Failure 6 of the fault campaign (issue 22): with the disk full, /healthz said the database was
ok, the login page said the form "has expired" and the home page was an English 500 JSON.
"""

import re

import peewee
import pytest

from core import db


def failing_writes(monkeypatch, message: str) -> None:
    """Every write to the database fails the way SQLite fails when storage is full or read-only."""
    real = db.database.obj.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
            raise peewee.OperationalError(message)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.database.obj, "execute_sql", execute_sql)


@pytest.mark.parametrize("message, kind, words", [
    ("database or disk is full", "disk_full", "Bộ nhớ của trạm đã đầy"),
    ("attempt to write a readonly database", "read_only", "chế độ chỉ đọc"),
])
def test_storage_fault_gets_its_own_message_and_healthz_says_so(make_station, monkeypatch, message, kind, words):
    app = make_station(plugins=["security"])
    client = app.test_client()
    failing_writes(monkeypatch, message)
    home = client.get("/")
    assert home.status_code == 200  # reading needs no write
    login = client.get("/login/")
    assert login.status_code == 200 and "expired" not in login.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.get_data(as_text=True)).group(1)
    response = client.post("/lang", data={"csrf_token": token, "lang": "en"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert words in page and "Nothing was charged" in page and "Traceback" not in page
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"] == kind and health.json["status"] == "down"


def test_healthz_reports_low_disk_space_against_the_configured_threshold(make_station):
    from core.config import _ServerSchema

    app = make_station(plugins=[], server={**_ServerSchema().load({}), "min_free_disk_mb": 10**9})
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "degraded"
    assert health.json["disk"]["ok"] is False
    assert any(cause.startswith("low disk space") for cause in health.json["causes"])


def test_healthz_says_card_login_is_off_without_a_csca_certificate_and_shows_safe_mode(make_station):
    health = make_station(plugins=[], safe_mode=True).test_client().get("/healthz").json
    assert health["card_login"].startswith("off")
    assert health["safe_mode"] is True
    assert health["status"] == "degraded" and any("chip-card login off" in c for c in health["causes"])
    assert health["database"] == "ok"
