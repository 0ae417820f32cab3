"""Health insurance (BHYT) card code: parsing and validation, the health record, the FHIR
Coverage, and the data-subject rights."""

from __future__ import annotations

import pytest

from plugins.healthcare.bhyt import InvalidBhytCode, parse_bhyt_code
from plugins.healthcare.fhir import BHYT_SYSTEM, screening_bundle

CARD = "DN4010123456789"


def test_a_card_code_is_split_into_its_four_parts():
    card = parse_bhyt_code(" dn4 01 0123456789 ")
    assert (card.code, card.group, card.benefit_level, card.province, card.social_insurance_number) == (
        CARD, "DN", 4, "01", "0123456789")
    assert card.display == "DN 4 01 0123456789"
    assert card.benefit[1] == "80% of treatment costs" and card.group_name[1] == "Employee of an enterprise"
    assert parse_bhyt_code("XY5790000000001").group_name is None  # an unlisted group is shown by its code


@pytest.mark.parametrize("text", ["DN401012345678", "DN40101234567890", "D14010123456789", "DN6010123456789",
                                  "DN0010123456789", "DN4AB0123456789", "DN40101234567A9", "DN4000123456789",
                                  "ĐN4010123456789", "DN４010123456789", ""])
def test_malformed_card_codes_are_refused_with_the_expected_format(text):
    with pytest.raises(InvalidBhytCode) as caught:
        parse_bhyt_code(text)
    assert caught.value.vi and caught.value.en


def test_the_fhir_bundle_carries_the_card_as_a_coverage_of_the_patient():
    bundle = screening_bundle([], 42, "test-station", 1_790_100_000.0, insurance=parse_bhyt_code(CARD))
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    [coverage] = [r for r in resources.values() if r["resourceType"] == "Coverage"]
    assert coverage["status"] == "active" and coverage["identifier"] == [{"system": BHYT_SYSTEM, "value": CARD}]
    assert coverage["subscriberId"] == "0123456789"
    assert resources[coverage["beneficiary"]["reference"]]["resourceType"] == "Patient"
    assert {c["type"]["coding"][0]["code"]: c["value"] for c in coverage["class"]} == {
        "group": "DN", "plan": "4", "subgroup": "01"}
    assert coverage["payor"] == [{"display": "Bảo hiểm xã hội Việt Nam"}]
    pytest.importorskip("fhir.resources", reason="fhir.resources is an optional validator")
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    assert not any(r["resourceType"] == "Coverage" for r in (e["resource"] for e in screening_bundle(
        [], 42, "test-station", 1_790_100_000.0)["entry"]))


@pytest.fixture
def citizen(health_station, login_citizen, csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    client.post("/s/healthcare/screening/consent", data={"csrf_token": csrf_token(client)})
    return app, client


def test_the_card_is_recorded_shown_in_the_health_record_and_exported_as_fhir(citizen, csrf_token):
    app, client = citizen
    page = client.get("/s/healthcare/history").get_data(as_text=True)
    assert 'data-section="insurance"' in page and "DN 4 01" not in page
    response = client.post("/s/healthcare/insurance", data={"csrf_token": csrf_token(client), "code": "dn4010123456789"})
    assert response.status_code == 303
    page = client.get("/s/healthcare/history").get_data(as_text=True)
    assert "DN 4 01 0123456789" in page and "80%" in page
    bundle = client.get("/s/healthcare/history/fhir", headers={"Accept": "application/fhir+json"}).get_json(force=True)
    [coverage] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Coverage"]
    assert coverage["identifier"][0]["value"] == CARD
    with app.app_context():
        from core.db import database

        [(stored,)] = database.obj.execute_sql("SELECT code FROM healthcare_insurance_card").fetchall()
    assert CARD.encode() not in bytes(stored)  # encrypted at rest


def test_a_malformed_card_code_is_a_clear_400_and_stores_nothing(citizen, csrf_token):
    app, client = citizen
    response = client.post("/s/healthcare/insurance", data={"csrf_token": csrf_token(client), "code": "DN4-01"})
    assert response.status_code == 400 and "15" in response.get_data(as_text=True)
    assert "DN 4" not in client.get("/s/healthcare/history").get_data(as_text=True)


def test_the_card_can_be_removed_and_is_in_the_export_and_erased(citizen, csrf_token):
    app, client = citizen
    client.post("/s/healthcare/insurance", data={"csrf_token": csrf_token(client), "code": CARD})
    from plugins.healthcare import data_rights
    from plugins.healthcare.models import InsuranceCard

    with client.session_transaction() as session:
        citizen_id = int(session["_user_id"].split(":")[1])
    with app.test_request_context():
        assert data_rights.export(citizen_id)["health_insurance_card"]["code"] == CARD
    client.post("/s/healthcare/insurance", data={"csrf_token": csrf_token(client), "remove": "1"})
    assert "DN 4 01" not in client.get("/s/healthcare/history").get_data(as_text=True)
    client.post("/s/healthcare/insurance", data={"csrf_token": csrf_token(client), "code": CARD})
    with app.test_request_context():
        data_rights.erase(citizen_id)
        assert InsuranceCard.select().where(InsuranceCard.citizen_id == citizen_id).count() == 0
