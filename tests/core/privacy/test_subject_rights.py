"""Export of everything held about a citizen, and erasure with crypto-shredding; the audit log still verifies."""

import json

import pytest
from click.testing import CliRunner

from core.audit.store import AuditEntry
from core.identity.models import Citizen
from core.privacy import consent
from core.privacy.access_log import AccessRecord
from core.privacy.cli import privacy_group
from core.privacy.consent import ConsentEvent
from core.privacy.keys import CitizenKey, DataErased
from core.privacy.subject_rights import ErasureFailed, erase_citizen, export_citizen
from core.sessions import WebSession

NAME = "Lê Thị Thu Hà"
ID_NUMBER = "001185009876"
NOTE = "Dị ứng penicillin"


def _login_and_fill(app, client, login_citizen, csrf_token):
    """A citizen who consented, saved an encrypted screening and profile, and an fx_example note."""
    import fx_example
    import fx_private

    citizen = login_citizen(client, assurance="basic")
    for category in ("health", "personal"):
        client.post(f"/my-data/consents/fx_private/{category}/grant", headers={"X-CSRF-Token": csrf_token(client)})
    assert client.post("/s/fx_private/screenings", data={"notes": NOTE, "spo2": "95",
                                                         "csrf_token": csrf_token(client)}).status_code == 201
    with app.test_request_context():
        fx_private.Profile.create(citizen_id=citizen, full_name=NAME, id_number=ID_NUMBER)
        fx_example.Note.create(citizen_id=citizen, text="ghi chú mẫu")
    return citizen


def test_export_holds_core_records_and_every_plugins_data(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = _login_and_fill(private_station, client, login_citizen, csrf_token)
    client.get("/s/fx_private/screenings")
    with private_station.test_request_context():
        data = export_citizen(citizen, actor=f"citizen:{citizen}")
    assert data["format"] == "citizen-station/my-data/v1" and data["citizen"]["id"] == citizen
    assert data["plugins"]["fx_example"] == {"notes": ["ghi chú mẫu"]}
    assert data["plugins"]["fx_private"]["screenings"][0]["notes"] == NOTE
    assert data["plugins"]["fx_private"]["screenings"][0]["vitals"] == {"spo2": 95}
    assert data["plugins"]["fx_private"]["profile"] == {"full_name": NAME, "id_number": ID_NUMBER}
    assert [(c["category"], c["action"]) for c in data["consents"]["history"]] == [("health", "grant"),
                                                                                   ("personal", "grant")]
    granted = {(c["plugin"], c["category"]): c["granted"] for c in data["consents"]["current"]}
    assert granted == {("fx_example", "health"): False, ("fx_private", "health"): True,
                       ("fx_private", "personal"): True}
    reads = [(a["who"], a["basis"], a["table"]) for a in data["access_log"]]
    assert ("plugin:fx_private", "consent", "fx_private_screening") in reads
    assert (f"citizen:{citizen}", "data_subject_request", "fx_private_profile") in reads
    actions = [(r["action"], r["as"]) for r in data["audit_references"]]
    assert actions == [("consent.grant", ["actor", "subject"]), ("consent.grant", ["actor", "subject"]),
                       ("citizen.export", ["actor", "object"])]  # this export is audited too
    assert data["export_audit_index"] == data["audit_references"][-1]["index"]
    assert data["data_keys"][0]["version"] == 1 and "wrapped" not in json.dumps(data["data_keys"])
    assert data["incomplete"] == []


def test_export_works_after_consent_is_withdrawn_because_the_request_is_its_own_basis(
        private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = _login_and_fill(private_station, client, login_citizen, csrf_token)
    client.post("/my-data/consents/fx_private/health/withdraw", headers={"X-CSRF-Token": csrf_token(client)})
    with private_station.test_request_context():
        assert export_citizen(citizen)["plugins"]["fx_private"]["screenings"][0]["notes"] == NOTE


def test_a_plugin_whose_export_fails_is_named_and_the_rest_exported(private_station, new_citizen, monkeypatch):
    import fx_example

    def broken(citizen):
        raise RuntimeError("boom")

    monkeypatch.setattr(fx_example.citizen_data_export, "__code__", broken.__code__)
    with private_station.test_request_context():
        data = export_citizen(new_citizen())
    assert data["incomplete"] == [{"plugin": "fx_example", "problem": "RuntimeError"}]
    assert "fx_private" in data["plugins"]


def test_erasure_removes_everything_destroys_the_key_and_the_audit_log_still_verifies(
        private_station, login_citizen, csrf_token, station_clock):
    import fx_example
    import fx_private

    client = private_station.test_client()
    citizen = _login_and_fill(private_station, client, login_citizen, csrf_token)
    other_client = private_station.test_client()
    other = _login_and_fill(private_station, other_client, login_citizen, csrf_token)
    client.get("/s/fx_private/screenings")
    with private_station.test_request_context():
        leftover = fx_private.Screening.select().where(fx_private.Screening.citizen_id == citizen).tuples().get()
        old_hash = Citizen.get_by_id(citizen).id_hash
        report = erase_citizen(citizen, actor="staff:thu.ky")
        assert sorted(report.plugins) == ["fx_example", "fx_private"] and report.sessions == 1
        assert report.consents == 2 and report.data_keys == 1
        assert not fx_private.Screening.select().where(fx_private.Screening.citizen_id == citizen).exists()
        assert not fx_example.Note.select().where(fx_example.Note.citizen_id == citizen).exists()
        assert not ConsentEvent.select().where(ConsentEvent.citizen_id == citizen).exists()
        assert not AccessRecord.select().where(AccessRecord.citizen_id == citizen).exists()
        key = CitizenKey.get(CitizenKey.citizen_id == citizen)
        assert key.wrapped_key is None and key.kek_id is None and key.destroyed_at == station_clock()
        erased = Citizen.get_by_id(citizen)
        assert erased.id_hash != old_hash and erased.id_hash.startswith("erased:")
        # a copy of the ciphertext (from a backup, say) can no longer be opened
        fx_private.Screening.insert(dict(zip(fx_private.Screening._meta.sorted_field_names, leftover, strict=True))
                                    ).execute()
        with pytest.raises(DataErased):
            _ = fx_private.Screening.get_by_id(leftover[0]).notes
        # the other citizen is untouched
        assert fx_private.Profile.get(fx_private.Profile.citizen_id == other).full_name == NAME
        audit = private_station.extensions["station"].audit
        assert audit.verify().ok
        entry = json.loads(AuditEntry.select().where(AuditEntry.leaf.contains("citizen.erase")).get().leaf)
    assert entry["object"] == f"citizen:{citizen}" and entry["actor"] == "staff:thu.ky"
    assert set(entry["details"]["plugins"]) == {"fx_example", "fx_private"}
    assert NAME not in json.dumps(entry) and ID_NUMBER not in json.dumps(entry)
    # the erased citizen's session is gone; the other one's is not
    assert client.get("/my-data/", headers={"Accept": "application/json"}).status_code == 401
    assert other_client.get("/my-data/", headers={"Accept": "application/json"}).status_code == 200


def test_a_plugin_that_cannot_erase_aborts_the_whole_erasure(private_station, login_citizen, csrf_token,
                                                            monkeypatch):
    import fx_private

    client = private_station.test_client()
    citizen = _login_and_fill(private_station, client, login_citizen, csrf_token)

    def broken(citizen):
        raise RuntimeError("table locked")

    monkeypatch.setattr(fx_private.citizen_data_erase, "__code__", broken.__code__)
    with private_station.test_request_context():
        with pytest.raises(ErasureFailed, match="fx_private could not erase"):
            erase_citizen(citizen)
        assert CitizenKey.get(CitizenKey.citizen_id == citizen).destroyed_at is None
        assert ConsentEvent.select().where(ConsentEvent.citizen_id == citizen).count() == 2
        assert WebSession.select().count() >= 1
        assert fx_private.Profile.get(fx_private.Profile.citizen_id == citizen).full_name == NAME
        assert not AuditEntry.select().where(AuditEntry.leaf.contains("citizen.erase")).exists()


def test_the_same_person_coming_back_after_erasure_starts_afresh(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    first = login_citizen(client, assurance="basic", id_hash="a" * 64)
    with private_station.test_request_context():
        consent.grant(first, "fx_private", "health")
        erase_citizen(first)
    again = login_citizen(client, assurance="basic", id_hash="a" * 64)
    assert again != first
    with private_station.test_request_context():
        assert not consent.has_consent(again, "fx_private", "health")
        with pytest.raises(Exception, match="already erased"):
            erase_citizen(first)


def test_privacy_export_erase_and_access_log_commands(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = _login_and_fill(private_station, client, login_citizen, csrf_token)
    runner = CliRunner()
    exported = runner.invoke(privacy_group, ["export", str(citizen)], obj=private_station)
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["plugins"]["fx_private"]["profile"]["full_name"] == NAME
    log = json.loads(runner.invoke(privacy_group, ["access-log", str(citizen)], obj=private_station).output)
    assert len({e["who"] for e in log}) == 1 and log[0]["who"].startswith("os:")
    refused = runner.invoke(privacy_group, ["erase", str(citizen)], obj=private_station)
    assert refused.exit_code == 2 and "--yes" in refused.output
    erased = runner.invoke(privacy_group, ["erase", str(citizen), "--yes"], obj=private_station)
    assert erased.exit_code == 0 and json.loads(erased.output)["data_keys"] == 1
