"""FHIR R4 export of screening results: a Bundle of vital-sign Observations — pure functions.

Each measured value becomes an Observation conforming to the FHIR R4 vital-signs profile
(http://hl7.org/fhir/R4/observation-vitalsigns.html): ``status``, ``category`` vital-signs,
a LOINC ``code``, ``subject`` (the Patient in the bundle), ``effectiveDateTime`` and a
``valueQuantity`` in UCUM (system ``http://unitsofmeasure.org``); blood pressure is the panel
85354-9 with systolic (8480-6) and diastolic (8462-4) components. The device that measured
each value is a Device resource in the bundle, referenced from ``Observation.device``.
Codes and units: ARCHITECTURE section 9.

The citizen's health insurance (BHYT) card, when recorded, is a ``Coverage``
(http://hl7.org/fhir/R4/coverage.html): the 15-character card code as identifier, the
10-digit social insurance number as ``subscriberId``, the Patient as beneficiary, Vietnam
Social Security as payor, and ``class`` entries for the beneficiary group (``group``), the
benefit level (``plan``) and the issuing province code (``subgroup``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .bhyt import BhytCard

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
VITALSIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
PATIENT_SYSTEM = "urn:citizen-station:citizen"
BHYT_SYSTEM = "urn:citizen-station:bhyt-card"
"""The BHYT card code's identifier system. Vietnam publishes no FHIR naming-system URI for it that we
could find, so it is a project URN; replace it once BHXH publishes one."""
SOCIAL_INSURANCE_SYSTEM = "urn:citizen-station:bhxh-number"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
BHXH_PAYOR = "Bảo hiểm xã hội Việt Nam"


@dataclass(frozen=True)
class VitalSign:
    """How one screening value is coded: LOINC code(s), display, UCUM unit, profile."""

    key: str
    codes: tuple[tuple[str, str], ...]   # (LOINC code, display); the first is the primary
    unit: str                            # UCUM code (also the human unit)
    profile: str


VITAL_SIGNS: dict[str, VitalSign] = {v.key: v for v in (
    VitalSign("pulse", (("8867-4", "Heart rate"),), "/min", "heartrate"),
    VitalSign("spo2", (("2708-6", "Oxygen saturation in Arterial blood"),
                       ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")), "%", "oxygensat"),
    VitalSign("temperature", (("8310-5", "Body temperature"),), "Cel", "bodytemp"),
    VitalSign("height", (("8302-2", "Body height"),), "cm", "bodyheight"),
    VitalSign("weight", (("29463-7", "Body weight"),), "kg", "bodyweight"),
    VitalSign("bmi", (("39156-5", "Body mass index (BMI) [Ratio]"),), "kg/m2", "bmi"),
)}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_COMPONENTS = (("systolic", "8480-6", "Systolic blood pressure"), ("diastolic", "8462-4", "Diastolic blood pressure"))
MMHG = "mm[Hg]"
#: which device kind measured each value (for Observation.device)
SOURCE_KIND = {"systolic": "blood_pressure", "diastolic": "blood_pressure", "bp_pulse": "blood_pressure",
               "spo2": "pulse_oximeter", "pulse": "pulse_oximeter", "temperature": "thermometer",
               "weight": "scale", "height": "height_rod"}


@dataclass(frozen=True)
class ScreeningRecord:
    """What the export needs of one screening: id, when, values and the devices used."""

    id: int
    taken_at: float                              # epoch seconds
    values: Mapping[str, float]
    devices: Mapping[str, Mapping[str, Any]]     # kind -> {"id", "make", "model", "serial"}


def _uuid(namespace: str, *parts: object) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, ":".join([namespace, *map(str, parts)])))


def _instant(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(float(value), 1), "unit": unit, "system": UCUM, "code": unit}


def _category() -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY_SYSTEM, "code": "vital-signs", "display": "Vital Signs"}],
             "text": "Vital Signs"}]


def _device_resource(full_url: str, kind: str, info: Mapping[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Device", "id": full_url.rsplit(":", 1)[1],
                                "identifier": [{"system": "urn:citizen-station:device", "value": str(info.get("id", kind))}],
                                "type": {"text": kind.replace("_", " ")}}
    if info.get("make"):
        resource["manufacturer"] = str(info["make"])
    if info.get("model"):
        resource["deviceName"] = [{"name": str(info["model"]), "type": "model-name"}]
    if info.get("serial"):
        resource["serialNumber"] = str(info["serial"])
    return resource


def _device_display(kind: str, info: Mapping[str, Any]) -> str:
    words = [str(info[k]) for k in ("make", "model") if info.get(k)]
    return " ".join(words) or f"{kind.replace('_', ' ')} {info.get('id', '')}".strip()


def coverage_resource(full_url: str, card: BhytCard, patient_url: str) -> dict[str, Any]:
    """The FHIR R4 ``Coverage`` of a BHYT card for the Patient at ``patient_url``."""

    def cls(code: str, value: str, name: str) -> dict[str, Any]:
        return {"type": {"coding": [{"system": COVERAGE_CLASS, "code": code}]}, "value": value, "name": name}

    group_name = card.group_name[0] if card.group_name else f"Đối tượng {card.group}"
    return {
        "resourceType": "Coverage", "id": full_url.rsplit(":", 1)[1], "status": "active",
        "identifier": [{"system": BHYT_SYSTEM, "value": card.code}],
        "subscriberId": card.social_insurance_number,
        "beneficiary": {"reference": patient_url},
        "payor": [{"display": BHXH_PAYOR}],
        "class": [cls("group", card.group, group_name),
                  cls("plan", str(card.benefit_level), f"Mức hưởng {card.benefit_level}: {card.benefit[0]}"),
                  cls("subgroup", card.province, f"Mã tỉnh {card.province}")],
    }


def screening_bundle(records: Iterable[ScreeningRecord], patient_id: int, site_id: str,
                     generated_at: float, insurance: BhytCard | None = None) -> dict[str, Any]:
    """A FHIR R4 ``Bundle`` (type collection) of the Patient, Devices and vital-sign Observations,
    and the ``Coverage`` of the BHYT card ``insurance`` when given.

    The Patient carries only the station's opaque citizen reference (no name, no ID number).
    """
    namespace = f"citizen-station:{site_id}"
    patient_url = _uuid(namespace, "patient", patient_id)
    entries: list[dict[str, Any]] = [{"fullUrl": patient_url, "resource": {
        "resourceType": "Patient", "id": patient_url.rsplit(":", 1)[1],
        "identifier": [{"system": f"{PATIENT_SYSTEM}:{site_id}", "value": str(patient_id)}]}}]
    devices: dict[str, str] = {}
    if insurance is not None:
        coverage_url = _uuid(namespace, "coverage", patient_id)
        entries.append({"fullUrl": coverage_url, "resource": coverage_resource(coverage_url, insurance, patient_url)})

    def device_ref(kind: str, info: Mapping[str, Any]) -> dict[str, str]:
        key = f"{kind}:{info.get('id', kind)}"
        if key not in devices:
            devices[key] = _uuid(namespace, "device", key)
            entries.append({"fullUrl": devices[key], "resource": _device_resource(devices[key], kind, info)})
        return {"reference": devices[key], "display": _device_display(kind, info)}

    def observation(record: ScreeningRecord, key: str, code: dict[str, Any], profile: str,
                    device_kind: str | None) -> dict[str, Any]:
        url = _uuid(namespace, "observation", record.id, key)
        obs: dict[str, Any] = {
            "resourceType": "Observation", "id": url.rsplit(":", 1)[1], "status": "final",
            "meta": {"profile": [VITALSIGNS_PROFILE, f"http://hl7.org/fhir/StructureDefinition/{profile}"]},
            "category": _category(), "code": code, "subject": {"reference": patient_url},
            "effectiveDateTime": _instant(record.taken_at)}
        if device_kind and device_kind in record.devices:
            obs["device"] = device_ref(device_kind, record.devices[device_kind])
        entries.append({"fullUrl": url, "resource": obs})
        return obs

    for record in records:
        values = record.values
        if "systolic" in values and "diastolic" in values:
            panel = observation(record, "bp", {"coding": [{"system": LOINC, "code": BP_PANEL[0],
                                                           "display": BP_PANEL[1]}], "text": "Blood pressure"},
                                "bp", "blood_pressure")
            panel["component"] = [
                {"code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
                 "valueQuantity": _quantity(values[name], MMHG)} for name, code, display in BP_COMPONENTS]
        for key, sign in VITAL_SIGNS.items():
            value = values.get(key)
            if value is None and key == "pulse":
                value, kind = values.get("bp_pulse"), "blood_pressure"
            else:
                kind = SOURCE_KIND.get(key)
            if value is None:
                continue
            obs = observation(record, key, {"coding": [{"system": LOINC, "code": c, "display": d}
                                                       for c, d in sign.codes], "text": sign.codes[0][1]},
                              sign.profile, kind)
            obs["valueQuantity"] = _quantity(value, sign.unit)
            if key == "bmi":
                obs["derivedFrom"] = [{"reference": _uuid(namespace, "observation", record.id, k)}
                                      for k in ("weight", "height") if k in values]
    return {"resourceType": "Bundle", "id": _uuid(namespace, "bundle", patient_id, generated_at).rsplit(":", 1)[1],
            "type": "collection", "timestamp": _instant(generated_at), "entry": entries}
