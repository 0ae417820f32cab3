"""Retention: rows older than their category's period are purged, audited with counts per category."""

import json

import pytest
from click.testing import CliRunner

from core.audit.store import AuditEntry
from core.errors import UserInputError
from core.privacy import consent
from core.privacy.access_log import AccessRecord, record_access
from core.privacy.cli import privacy_group
from core.privacy.retention import purge, retention_from_config, validate_retention

DAY = 86400


def _seed(app, new_citizen, station_clock):
    """Screenings taken 400, 200 and 10 days ago, a profile (no timestamp), access records of 100 and 0 days."""
    import fx_private

    citizen = new_citizen()
    with app.test_request_context():
        consent.grant(citizen, "fx_private", "health", actor="system")
        consent.grant(citizen, "fx_private", "personal", actor="system")
        for age in (400, 200, 10):
            fx_private.Screening.create(citizen_id=citizen, taken_at=station_clock() - age * DAY, notes=f"{age}")
        fx_private.Profile.create(citizen_id=citizen, full_name="Phạm Minh Tuấn", id_number="048095001122")
    station_clock.advance(-100 * DAY)
    with app.app_context():
        record_access(citizen, "fx_private", "health", "fx_private_screening", purpose="cũ", accessor="staff:a")
    station_clock.advance(100 * DAY)
    with app.app_context():
        record_access(citizen, "fx_private", "health", "fx_private_screening", purpose="mới", accessor="staff:b")
    return citizen


def test_purge_deletes_rows_older_than_the_period_and_audits_counts(private_station, new_citizen, station_clock):
    import fx_private

    _seed(private_station, new_citizen, station_clock)
    with private_station.app_context():
        report = purge({"health": 365, "access_log": 30}, station_clock(), actor="cli")
        left = sorted(int(s.taken_at) for s in fx_private.Screening.select())
        assert [round((station_clock() - t) / DAY) for t in left] == [200, 10]
        assert [r.accessor for r in AccessRecord.select()] == ["staff:b"]  # 100 days old: gone
        leaf = json.loads(AuditEntry.get_by_id(report.audit_index).leaf)
        assert private_station.extensions["station"].audit.verify().ok
    assert report.deleted == {"health": 1, "access_log": 1}
    assert report.tables["fx_private_screening"] == 1
    assert leaf["action"] == "privacy.purge" and leaf["details"] == {"health": 1, "access_log": 1}


def test_time_moves_and_the_next_purge_takes_what_has_aged(private_station, new_citizen, station_clock):
    import fx_private

    _seed(private_station, new_citizen, station_clock)
    station_clock.advance(200 * DAY)
    with private_station.app_context():
        report = purge({"health": 365}, station_clock())
        assert report.deleted == {"health": 2}
        assert fx_private.Screening.select().count() == 1


def test_a_dry_run_counts_and_changes_nothing(private_station, new_citizen, station_clock):
    import fx_private

    _seed(private_station, new_citizen, station_clock)
    with private_station.app_context():
        size = private_station.extensions["station"].audit.size()
        report = purge({"health": 100}, station_clock(), dry_run=True)
        assert report.deleted == {"health": 2} and report.audit_index is None
        assert fx_private.Screening.select().count() == 3
        assert private_station.extensions["station"].audit.size() == size


def test_a_model_without_a_timestamp_is_reported_not_guessed(private_station, new_citizen, station_clock):
    import fx_private

    _seed(private_station, new_citizen, station_clock)
    with private_station.app_context():
        report = purge({"personal": 1}, station_clock() + 10 * DAY)
        assert report.not_purgeable == ["fx_private_profile"]
        assert fx_private.Profile.select().count() == 1


@pytest.mark.parametrize("bad", [{"medical": 30}, {"health": 0}, {"health": "a year"}, {"health": True}])
def test_bad_retention_settings_name_the_problem(bad):
    with pytest.raises(UserInputError, match="retention_days"):
        validate_retention(bad)


def test_retention_comes_from_the_privacy_config_section_when_present():
    class Config:
        privacy = {"retention_days": {"health": 365, "access_log": 730}}

    assert retention_from_config(Config()) == {"health": 365, "access_log": 730}
    assert retention_from_config(object()) == {}


def test_station_privacy_purge_command(private_station, new_citizen, station_clock):
    _seed(private_station, new_citizen, station_clock)
    runner = CliRunner()
    nothing = runner.invoke(privacy_group, ["purge"], obj=private_station)
    assert nothing.exit_code == 0 and "no retention periods configured" in nothing.output
    dry = runner.invoke(privacy_group, ["purge", "--dry-run", "--days", "health=100"], obj=private_station)
    assert dry.exit_code == 0 and "would delete 2 row(s) older than 100 days" in dry.output
    refused = runner.invoke(privacy_group, ["purge", "--days", "health=100"], obj=private_station, input="n\n")
    assert refused.exit_code != 0 and "Delete for good the personal data: health older than 100 days?" in refused.output
    assert "would delete 2 row(s)" in runner.invoke(privacy_group, ["purge", "--dry-run", "--days", "health=100"],
                                                    obj=private_station).output  # nothing was deleted
    real = runner.invoke(privacy_group, ["purge", "--days", "health=100", "--yes"], obj=private_station)
    assert real.exit_code == 0 and "deleted 2 row(s)" in real.output and "audited as entry" in real.output
    bad = runner.invoke(privacy_group, ["purge", "--days", "health"], obj=private_station)
    assert bad.exit_code == 2 and "CATEGORY=DAYS" in bad.output
