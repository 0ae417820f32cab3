"""The consent ledger and its enforcement by the sdk: silence is not consent."""

import dataclasses
import json

import pytest

from core.audit.store import AuditEntry
from core.privacy import consent
from core.privacy.consent import ConsentEvent, ConsentRequired, wording_hash

NOTE = "Huyết áp cao"


def _grant(client, csrf, plugin, category, action="grant"):
    return client.post(f"/my-data/consents/{plugin}/{category}/{action}", headers={
        "X-CSRF-Token": csrf(client), "Accept": "application/json"})


def _audit_leaves(app):
    with app.app_context():
        return [json.loads(e.leaf) for e in AuditEntry.select().order_by(AuditEntry.idx)]


def test_silence_is_not_consent_and_a_grant_is_for_one_plugin_and_category(private_station, new_citizen):
    citizen = new_citizen()
    with private_station.test_request_context():
        assert not consent.has_consent(citizen, "fx_private", "health")
        consent.grant(citizen, "fx_private", "health")
        assert consent.has_consent(citizen, "fx_private", "health")
        assert not consent.has_consent(citizen, "fx_private", "personal")
        assert not consent.has_consent(citizen, "fx_example", "health")
        assert not consent.has_consent(new_citizen(), "fx_private", "health")


def test_grant_and_withdraw_are_ledger_events_with_wording_version_and_audited(private_station, new_citizen,
                                                                                station_clock):
    citizen = new_citizen()
    with private_station.test_request_context():
        consent.grant(citizen, "fx_private", "health", language="en", actor=f"citizen:{citizen}")
        station_clock.advance(60)
        consent.withdraw(citizen, "fx_private", "health", actor=f"citizen:{citizen}")
        assert not consent.has_consent(citizen, "fx_private", "health")
        events = list(ConsentEvent.select().order_by(ConsentEvent.id))
        purposes = [{"vi": "Ghi và xem kết quả khám sức khỏe", "en": "Record and show screening results"}]
        assert [(e.action, e.plugin_version, e.language, e.wording_hash) for e in events] == [
            ("grant", "1.3.0", "en", wording_hash(purposes)), ("withdraw", "1.3.0", "vi", wording_hash(purposes))]
        assert events[1].at - events[0].at == 60
    leaves = [e for e in _audit_leaves(private_station) if e["action"].startswith("consent.")]
    assert [(e["action"], e["object"], e["actor"]) for e in leaves] == [
        ("consent.grant", "fx_private:health", f"citizen:{citizen}"),
        ("consent.withdraw", "fx_private:health", f"citizen:{citizen}")]
    assert leaves[0]["details"] == {"plugin_version": "1.3.0", "subject": f"citizen:{citizen}",
                                    "wording": wording_hash(purposes)[:16]}


def test_repeating_a_grant_or_withdrawing_nothing_adds_no_event(private_station, new_citizen):
    citizen = new_citizen()
    with private_station.test_request_context():
        consent.withdraw(citizen, "fx_private", "health")
        consent.grant(citizen, "fx_private", "health")
        consent.grant(citizen, "fx_private", "health")
        assert ConsentEvent.select().count() == 1


def test_consent_to_an_older_wording_no_longer_counts(private_station, new_citizen, monkeypatch):
    citizen = new_citizen()
    with private_station.test_request_context():
        consent.grant(citizen, "fx_private", "health")
        record = private_station.extensions["station"].plugins.records["fx_private"]
        changed = [dict(d, purpose={"vi": "Bán cho bên thứ ba", "en": "Sell to third parties"})
                   if d["category"] == "health" else d for d in record.manifest.data]
        monkeypatch.setattr(record, "manifest", dataclasses.replace(record.manifest, data=changed,
                                                                    version="1.4.0"))
        state = next(s for s in consent.current_consents(citizen)
                     if (s.plugin_id, s.category) == ("fx_private", "health"))
        assert state.wording_changed and not state.current
        assert not consent.has_consent(citizen, "fx_private", "health")
        consent.grant(citizen, "fx_private", "health")
        assert consent.has_consent(citizen, "fx_private", "health")


def test_an_undeclared_category_or_unknown_plugin_cannot_be_consented(private_station, new_citizen):
    from core.errors import NotFoundError

    with private_station.test_request_context():
        with pytest.raises(NotFoundError, match="does not declare"):
            consent.grant(new_citizen(), "fx_private", "biometric")
        with pytest.raises(NotFoundError):
            consent.grant(new_citizen(), "nope", "health")


def test_a_consent_whose_audit_entry_cannot_be_written_is_not_recorded(private_station, new_citizen, monkeypatch):
    citizen = new_citizen()

    def audit_down(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("core.privacy.consent.audit_record", audit_down)
    with private_station.test_request_context():
        with pytest.raises(RuntimeError):
            consent.grant(citizen, "fx_private", "health")
        assert ConsentEvent.select().count() == 0
        assert not consent.has_consent(citizen, "fx_private", "health")


def test_a_plugin_view_without_consent_is_refused_by_the_sdk_with_what_to_agree_to(
        private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = login_citizen(client, assurance="basic")
    response = client.post("/s/fx_private/screenings", data={"notes": NOTE, "csrf_token": csrf_token(client)},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"] == "ConsentRequired"
    assert "Ghi và xem kết quả khám sức khỏe" in response.json["message"]
    assert "Dữ liệu của tôi" in response.json["message"]
    english = client.get("/s/fx_private/screenings?lang=en", headers={"Accept": "application/json"})
    assert english.status_code == 403 and "Record and show screening results" in english.json["message"]
    assert _grant(client, csrf_token, "fx_private", "health").json["consent"]["granted"] is True
    assert client.post("/s/fx_private/screenings", data={"notes": NOTE, "csrf_token": csrf_token(client)}
                       ).status_code == 201
    assert client.get("/s/fx_private/screenings").json["notes"] == [NOTE]
    with private_station.test_request_context():
        assert consent.has_consent(citizen, "fx_private", "health")


def test_the_data_guard_refuses_even_a_view_that_forgot_require_consent(private_station, login_citizen,
                                                                         csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    _grant(client, csrf_token, "fx_private", "health")
    client.post("/s/fx_private/screenings", data={"notes": NOTE, "csrf_token": csrf_token(client)})
    assert client.get("/s/fx_private/unguarded").json["notes"] == [NOTE]
    assert _grant(client, csrf_token, "fx_private", "health", "withdraw").json["consent"]["granted"] is False
    refused = client.get("/s/fx_private/unguarded", headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.json["error"] == "ConsentRequired"


def test_ensure_consent_outside_a_request_needs_the_citizen_and_plugin(private_station, new_citizen):
    citizen = new_citizen()
    with private_station.app_context():
        with pytest.raises(ConsentRequired):
            consent.ensure_consent("health", citizen_id=citizen, plugin_id="fx_private")
        consent.grant(citizen, "fx_private", "health", actor="staff:helper")
        consent.ensure_consent("health", citizen_id=citizen, plugin_id="fx_private")
