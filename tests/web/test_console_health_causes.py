"""The console's overview says why the station is unwell (issue 22, "health tells the truth"):
a read-only or full database and a nearly full disk (free MB against the threshold), in the
staff member's language; a well station says nothing needs attention."""

from __future__ import annotations

import peewee
import pytest

from core.config import _ServerSchema


def _overview(app, login_staff, lang: str) -> str:
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    with manager.session_transaction() as session:
        session["lang"] = lang
    response = manager.get("/console/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_well_station_has_nothing_to_attend_to(make_station, login_staff):
    page = _overview(make_station(plugins=[]), login_staff, "en")
    assert 'id="health-causes"' in page and 'data-cause="none"' in page


def test_low_disk_space_is_shown_with_free_mb_and_threshold(make_station, login_staff):
    app = make_station(plugins=[], server={**_ServerSchema().load({}), "min_free_disk_mb": 10**9})
    page = _overview(app, login_staff, "vi")
    assert 'data-cause="disk-low"' in page
    assert "Ổ đĩa sắp đầy" in page and "1000000000 MB" in page
    page = _overview(app, login_staff, "en")
    assert "Disk space is low" in page and "below the threshold of 1000000000 MB" in page


@pytest.mark.parametrize(("message", "cause", "vi"), [
    ("attempt to write a readonly database", "database-read-only", "chế độ chỉ đọc"),
    ("database or disk is full", "database-disk-full", "ổ đĩa đã đầy"),
])
def test_an_unwritable_database_is_shown_with_its_cause(make_station, login_staff, monkeypatch, message, cause, vi):
    app = make_station(plugins=[])
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    with manager.session_transaction() as session:
        session["lang"] = "vi"
    from core import db

    real = db.database.obj.execute_sql

    def failing(sql, *args, **kwargs):
        if sql.startswith("UPDATE audit_head SET size = size WHERE"):
            raise peewee.OperationalError(message)
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(db.database.obj, "execute_sql", failing)
    page = manager.get("/console/").get_data(as_text=True)
    assert f'data-cause="{cause}"' in page and vi in page
