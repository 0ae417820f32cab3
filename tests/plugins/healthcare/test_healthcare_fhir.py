"""The FHIR R4 export validates: vital-signs profile rules checked explicitly, and the whole
bundle parsed by the ``fhir.resources`` R4B models when that library is installed."""

from __future__ import annotations

import json
import re

import pytest

from plugins.healthcare.fhir import ScreeningRecord, screening_bundle

LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
EXPECTED = {  # LOINC code → UCUM unit (ARCHITECTURE section 9)
    "8867-4": "/min", "2708-6": "%", "8310-5": "Cel", "8302-2": "cm", "29463-7": "kg", "39156-5": "kg/m2"}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
DEVICES = {kind: {"id": f"{kind}-1", "make": "SimMed", "model": f"{kind}-sim", "serial": "SN-1"}
           for kind in ("blood_pressure", "pulse_oximeter", "thermometer", "scale", "height_rod")}


def check_vital_signs_bundle(bundle: dict) -> list[dict]:
    """The FHIR R4 vital-signs profile rules (observation-vitalsigns), checked one by one."""
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    observations = [r for r in by_url.values() if r["resourceType"] == "Observation"]
    for obs in observations:
        assert obs["status"] in ("registered", "preliminary", "final", "amended")
        assert any(c["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
                   and c["code"] == "vital-signs" for cat in obs["category"] for c in cat["coding"])
        assert obs["code"]["coding"] and all(c["system"] == LOINC for c in obs["code"]["coding"])
        assert by_url[obs["subject"]["reference"]]["resourceType"] == "Patient"      # vs-3: subject present
        assert DATETIME.match(obs["effectiveDateTime"])                               # vs-1: effective[x]
        codes = {c["code"] for c in obs["code"]["coding"]}
        if "39156-5" in codes:                                                        # BMI: computed, not measured
            assert all(ref["reference"] in by_url for ref in obs["derivedFrom"])
        else:
            assert by_url[obs["device"]["reference"]]["resourceType"] == "Device" and obs["device"]["display"]
        if "85354-9" in codes:                                                        # BP panel: components only
            assert "valueQuantity" not in obs
            components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in obs["component"]}
            assert set(components) == {"8480-6", "8462-4"}
            for quantity in components.values():
                assert quantity["system"] == UCUM and quantity["code"] == "mm[Hg]"
                assert isinstance(quantity["value"], int | float)
        else:                                                                         # vs-2: a value
            primary = obs["code"]["coding"][0]["code"]
            quantity = obs["valueQuantity"]
            assert quantity["system"] == UCUM and quantity["code"] == EXPECTED[primary]
            assert isinstance(quantity["value"], int | float)
    return observations


def _bundle():
    records = [ScreeningRecord(1, 1_790_000_000.0, {"systolic": 128, "diastolic": 84, "bp_pulse": 70, "spo2": 97,
                                                    "pulse": 72, "temperature": 36.8, "weight": 72.5,
                                                    "height": 172.4, "bmi": 24.4}, DEVICES),
               ScreeningRecord(2, 1_790_086_400.0, {"systolic": 131, "diastolic": 86, "bp_pulse": 75}, DEVICES)]
    return screening_bundle(records, 42, "test-station", 1_790_100_000.0)


def test_bundle_has_every_vital_sign_with_its_loinc_code_and_ucum_unit():
    observations = check_vital_signs_bundle(_bundle())
    codes = sorted(c["code"] for o in observations for c in o["code"]["coding"])
    assert codes == sorted(["85354-9", "85354-9", "8867-4", "8867-4", "2708-6", "59408-5", "8310-5", "8302-2",
                            "29463-7", "39156-5"])
    heart_rates = [o for o in observations if o["code"]["coding"][0]["code"] == "8867-4"]
    assert [o["device"]["display"] for o in heart_rates] == ["SimMed pulse_oximeter-sim", "SimMed blood_pressure-sim"]


def test_bundle_names_no_person_and_is_deterministic():
    bundle = _bundle()
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert set(patient) == {"resourceType", "id", "identifier"}
    assert json.dumps(bundle, sort_keys=True) == json.dumps(_bundle(), sort_keys=True)
    devices = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"]
    assert len(devices) == 5                                  # one Device per instrument, shared by screenings


def test_bundle_parses_with_the_fhir_resources_models():
    pytest.importorskip("fhir.resources", reason="fhir.resources is an optional validator")
    from fhir.resources.R4B.bundle import Bundle

    parsed = Bundle.model_validate(_bundle())
    assert len(parsed.entry) == len(_bundle()["entry"])


def test_export_endpoint_returns_the_citizens_screenings(health_station, login_citizen, csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    client.post("/s/healthcare/screening/consent", data={"csrf_token": csrf_token(client)})
    for _ in range(2):
        location = client.post("/s/healthcare/screening", data={"csrf_token": csrf_token(client)}).headers["Location"]
        while not location.endswith("/result"):
            location = client.post(location + "/measure", data={"csrf_token": csrf_token(client)}).headers["Location"]
    kiosk = client.get("/s/healthcare/history/fhir")
    page = kiosk.get_data(as_text=True)
    assert kiosk.status_code == 200 and kiosk.mimetype == "text/html" and "Content-Disposition" not in kiosk.headers
    assert "resourceType" not in page and "<svg" in page and 'id="print-summary"' in page
    link = re.search(r'id="phone-link" data-url="([^"]+)"', page).group(1)
    assert "/take-home/" in link and "citizen" not in link
    response = app.test_client().get("/take-home/" + link.rsplit("/", 1)[1])   # the phone, no session
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    bundle = response.get_json(force=True)
    observations = check_vital_signs_bundle(bundle)
    assert len(observations) == 2 * 7                         # BP, HR, SpO2, temp, height, weight, BMI
    devices = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"]
    assert {d["identifier"][0]["value"] for d in devices} == {"pulse_oximeter-1", "blood_pressure-1",
                                                              "thermometer-1", "scale-1", "height_rod-1"}
    assert any(d.get("manufacturer") == "SimMed" for d in devices)
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        return
    Bundle.model_validate(bundle)
    history = client.get("/s/healthcare/history").get_data(as_text=True)
    assert history.count("<svg") >= 6 and "<polyline" in history


def test_the_printed_fhir_summary_lists_the_latest_values(health_station, login_citizen, csrf_token):
    import secrets

    from hal.sim import control
    from tests.plugins.healthcare.conftest import all_devices

    printer_url = f"sim://receipt_printer?profile=ok&instance=fh-{secrets.token_hex(4)}"
    app = health_station([*all_devices(), {"id": "printer-1", "kind": "receipt_printer", "url": printer_url}])
    client = app.test_client()
    login_citizen(client)
    client.post("/s/healthcare/screening/consent", data={"csrf_token": csrf_token(client)})
    location = client.post("/s/healthcare/screening", data={"csrf_token": csrf_token(client)}).headers["Location"]
    while not location.endswith("/result"):
        location = client.post(location + "/measure", data={"csrf_token": csrf_token(client)}).headers["Location"]
    assert 'id="to-phone"' in client.get(location).get_data(as_text=True)
    printed = client.post("/s/healthcare/history/fhir", data={"csrf_token": csrf_token(client), "take_home": "print"})
    assert printed.status_code == 200 and 'id="printed"' in printed.get_data(as_text=True)
    (receipt,) = control.simulator(printer_url).receipts
    assert "KẾT QUẢ ĐO SỨC KHOẺ" in receipt.text and "Huyết áp tâm thu (mmHg)" in receipt.text
