"""KEK rotation: every data key re-wrapped, audited without key material, resumable when interrupted."""

import base64
import json

import pytest
from click.testing import CliRunner

from core.audit.store import AuditEntry
from core.privacy import consent, keys
from core.privacy.cli import keys_group
from core.privacy.crypto import kek_id
from core.privacy.keys import CitizenKey, DataKeys, KeyRing, rotate_kek

NOTES = ["Mạch 72 lần/phút", "Huyết áp 150/95 mmHg", "SpO2 96%"]


def _seed(app, new_citizen):
    """Three citizens with one encrypted screening each; returns [(citizen, row id)]."""
    import fx_private

    seeded = []
    with app.test_request_context():
        for note in NOTES:
            citizen = new_citizen()
            consent.grant(citizen, "fx_private", "health", actor="system")
            seeded.append((citizen, fx_private.Screening.create(citizen_id=citizen, taken_at=1.0, notes=note).id))
    return seeded


def _restart_keys(app):
    """Forget cached KEKs, as a restarted station would."""
    app.extensions.pop("privacy.data_keys", None)


def _read_all(app, seeded):
    import fx_private

    with app.test_request_context():
        return [fx_private.Screening.get_by_id(row).notes for _, row in seeded]


def _secrets(app):
    return app.extensions["station"].config.secrets_dir


def _audit(app):
    def record(action, details):
        app.extensions["station"].audit.record(action, actor="cli", object_ref="kek", details=details)

    return record


def _every_wrapping_kek_is_on_disk(app):
    with app.app_context():
        in_use = {row.kek_id for row in CitizenKey.select() if row.kek_id}
    ring = KeyRing(_secrets(app))
    ring.reload()
    return in_use <= set(ring._known)


def test_rotation_rewraps_every_data_key_and_retires_the_old_kek(private_station, new_citizen):
    seeded = _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)
    old_kek = (secrets_dir / "data.kek").read_bytes()
    with private_station.app_context():
        report = rotate_kek(secrets_dir, _audit(private_station))
        kek_ids = {row.kek_id for row in CitizenKey.select()}
    new_kek = (secrets_dir / "data.kek").read_bytes()
    assert new_kek != old_kek and len(new_kek) == 32
    assert (report.old_kek_ids, report.new_kek_id, report.rewrapped) == ([kek_id(old_kek)], kek_id(new_kek), 3)
    assert report.retired == [kek_id(old_kek)] and not report.resumed
    assert kek_ids == {kek_id(new_kek)}
    assert sorted(p.name for p in secrets_dir.iterdir() if p.name.startswith("data.kek")) == ["data.kek"]
    assert oct((secrets_dir / "data.kek").stat().st_mode & 0o777) == "0o600"
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES


def test_the_rotation_is_audited_with_key_ids_and_no_key_material(private_station, new_citizen):
    _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)
    old_kek = (secrets_dir / "data.kek").read_bytes()
    with private_station.app_context():
        rotate_kek(secrets_dir, _audit(private_station))
        leaf = AuditEntry.select().order_by(AuditEntry.idx.desc()).get().leaf
        assert private_station.extensions["station"].audit.verify().ok
    entry = json.loads(leaf)
    new_kek = (secrets_dir / "data.kek").read_bytes()
    assert entry["action"] == "keys.rotate" and entry["object"] == "kek"
    assert entry["details"] == {"from": [kek_id(old_kek)], "to": kek_id(new_kek), "rewrapped": 3, "resealed": 0,
                                "resumed": False}
    for key in (old_kek, new_kek):
        assert key.hex() not in leaf and base64.b64encode(key).decode() not in leaf


def test_a_rotation_failing_midway_changes_nothing_and_rerunning_completes_it(private_station, new_citizen,
                                                                              monkeypatch):
    seeded = _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)
    old_id = kek_id((secrets_dir / "data.kek").read_bytes())
    real_wrap = keys.wrap_data_key
    calls = []

    def wrap_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("power cut")
        return real_wrap(*args, **kwargs)

    monkeypatch.setattr(keys, "wrap_data_key", wrap_then_crash)
    with private_station.app_context(), pytest.raises(OSError):
        rotate_kek(secrets_dir, _audit(private_station))
    monkeypatch.setattr(keys, "wrap_data_key", real_wrap)
    pending_id = kek_id((secrets_dir / "data.kek.new").read_bytes())
    with private_station.app_context():
        assert {row.kek_id for row in CitizenKey.select()} == {old_id}  # the transaction rolled back
        assert not AuditEntry.select().where(AuditEntry.leaf.contains("keys.rotate")).exists()
    assert _every_wrapping_kek_is_on_disk(private_station)
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES  # the station keeps working meanwhile
    with private_station.app_context():
        report = rotate_kek(secrets_dir, _audit(private_station))
        assert {row.kek_id for row in CitizenKey.select()} == {pending_id}
    assert report.resumed and report.new_kek_id == pending_id and report.retired == [old_id]
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES


def test_a_rotation_interrupted_after_commit_keeps_every_key_openable_and_completes_later(
        private_station, new_citizen, monkeypatch):
    seeded = _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)

    def crash(*args, **kwargs):
        raise OSError("killed before the rename")

    monkeypatch.setattr(keys.os, "replace", crash)
    with private_station.app_context(), pytest.raises(OSError):
        rotate_kek(secrets_dir, _audit(private_station))
    monkeypatch.undo()
    assert (secrets_dir / "data.kek.new").exists() and _every_wrapping_kek_is_on_disk(private_station)
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES
    # meanwhile the running station wraps a new citizen's key with the still-current old KEK
    late = _seed(private_station, new_citizen)[:1]
    with private_station.app_context():
        assert len({row.kek_id for row in CitizenKey.select()}) == 2
        report = rotate_kek(secrets_dir, _audit(private_station))
        assert {row.kek_id for row in CitizenKey.select()} == {report.new_kek_id}
    assert report.resumed and not (secrets_dir / "data.kek.new").exists()
    assert list(secrets_dir.glob("data.kek.*.old")) == []
    _restart_keys(private_station)
    assert _read_all(private_station, seeded + late) == NOTES + NOTES[:1]


def test_a_torn_next_kek_file_is_discarded_and_the_rotation_starts_afresh(private_station, new_citizen):
    seeded = _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)
    (secrets_dir / "data.kek.new").write_bytes(b"\x00" * 7)
    with private_station.app_context():
        report = rotate_kek(secrets_dir, _audit(private_station))
    assert not report.resumed and report.rewrapped == 3
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES


def test_a_missing_kek_is_reported_by_id_not_as_garbage(private_station, new_citizen):
    seeded = _seed(private_station, new_citizen)
    secrets_dir = _secrets(private_station)
    missing = kek_id((secrets_dir / "data.kek").read_bytes())
    (secrets_dir / "data.kek").write_bytes(bytes(32))
    _restart_keys(private_station)
    with private_station.app_context():
        fresh = DataKeys(KeyRing(secrets_dir), lambda: 0.0)
        with pytest.raises(keys.KeyMissing, match=missing):
            fresh.for_reading(seeded[0][0], 1)


def test_station_keys_rotate_and_status_commands(private_station, new_citizen):
    seeded = _seed(private_station, new_citizen)
    runner = CliRunner()
    before = json.loads(runner.invoke(keys_group, ["status"], obj=private_station).output)
    refused = runner.invoke(keys_group, ["rotate"], obj=private_station, input="n\n")
    assert refused.exit_code != 0 and "Replace the key-encryption key?" in refused.output
    assert json.loads(runner.invoke(keys_group, ["status"], obj=private_station).output) == before
    result = runner.invoke(keys_group, ["rotate", "--yes"], obj=private_station)
    assert result.exit_code == 0, result.output
    assert "3 data key(s) re-wrapped" in result.output and "BACK UP THE NEW KEY NOW" in result.output
    after = json.loads(runner.invoke(keys_group, ["status"], obj=private_station).output)
    assert after["current_kek_id"] != before["current_kek_id"]
    assert after["data_keys_by_kek"] == {after["current_kek_id"]: 3}
    assert after["rotation_in_progress"] is False and list(after["files"]) == ["data.kek"]
    _restart_keys(private_station)
    assert _read_all(private_station, seeded) == NOTES
