"""The citizen's screening history, trend charts (server-rendered SVG) and the FHIR export."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from markupsafe import Markup

from sdk import (
    UserInputError,
    audit,
    current_citizen,
    current_language,
    now,
    pick,
    plugin_settings,
    requires,
    transaction,
)
from sdk.formatting import station_time
from sdk.privacy import ensure_consent, has_consent, read_personal
from sdk.take_home import Document, phone_link_page, register_take_home

from ..bhyt import BhytCard, InvalidBhytCode, parse_bhyt_code
from ..fhir import ScreeningRecord, screening_bundle
from ..models import InsuranceCard, Screening
from ..site import site_id
from ..svg import Series, line_chart
from . import bp

PURPOSE = {"vi": "Hiển thị lịch sử đo cho chính bạn", "en": "Show your screening history to you"}
INSURANCE_PURPOSE = {"vi": "Hiển thị thẻ BHYT trong hồ sơ sức khoẻ của bạn",
                     "en": "Show your health insurance card in your health record"}
EXPORT_PURPOSE = {"vi": "Tải kết quả đo dạng FHIR theo yêu cầu của bạn", "en": "Download your results as FHIR at your request"}


def completed_screenings(citizen_id: int, purpose: dict[str, str], limit: int | None = None) -> list[Screening]:
    """The citizen's finished screenings, oldest first (each read in their access log)."""
    query = (Screening.select().where((Screening.citizen_id == citizen_id) & (Screening.state == "done"))
             .order_by(Screening.taken_at.desc(), Screening.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(reversed(read_personal(query, purpose=purpose)))


def _label(epoch: float) -> str:
    return station_time(float(epoch)).strftime("%d/%m")  # type: ignore[union-attr]


def trend_charts(rows: list[Screening]) -> list[Markup]:
    """One SVG chart per quantity measured at least once."""
    def points(key: str) -> list[tuple[str, float]]:
        return [(_label(r.taken_at), r.vitals["values"][key]) for r in rows if key in r.vitals["values"]]

    charts = []
    bp_series = [Series(pick("Tâm thu", "Systolic"), "#b3261e", points("systolic")),
                 Series(pick("Tâm trương", "Diastolic"), "#1f5fa8", points("diastolic"))]
    if bp_series[0].points:
        charts.append(line_chart(bp_series, pick("Huyết áp (mmHg)", "Blood pressure (mmHg)"),
                                 bands=[(90, 139, "#7ac27a")]))
    for key, title, colour, band in (
            ("spo2", pick("SpO2 (%)", "SpO2 (%)"), "#1f5fa8", (95, 100)),
            ("pulse", pick("Mạch (lần/phút)", "Pulse (/min)"), "#6a1b9a", (50, 100)),
            ("temperature", pick("Nhiệt độ (°C)", "Temperature (°C)"), "#e65100", (36.0, 37.4)),
            ("weight", pick("Cân nặng (kg)", "Weight (kg)"), "#2e7d32", None),
            ("bmi", pick("BMI (kg/m²)", "BMI (kg/m²)"), "#5d4037", (18.5, 22.9))):
        series = points(key)
        if series:
            charts.append(line_chart([Series(title, colour, series)], title, bands=[(*band, "#7ac27a")] if band else []))
    return [Markup(chart) for chart in charts]  # nosec B704 # line_chart escapes every text it embeds


@bp.route("/history")
@requires("healthcare.use")
def history() -> Any:
    """Past screenings and trend charts."""
    if not has_consent(current_citizen().id, "healthcare", "health"):
        return redirect(url_for("healthcare.screening_start"))
    rows = completed_screenings(current_citizen().id, PURPOSE, plugin_settings()["history_limit"])
    return render_template("healthcare/history.html", rows=list(reversed(rows)), charts=trend_charts(rows),
                           insurance=insurance_card(current_citizen().id, INSURANCE_PURPOSE))


def insurance_card(citizen_id: int, purpose: dict[str, str]) -> BhytCard | None:
    """The citizen's BHYT card (decrypted; the read is in their access log), or None."""
    row = InsuranceCard.get_or_none(InsuranceCard.citizen_id == citizen_id)
    if row is None:
        return None
    return parse_bhyt_code(read_personal(row, purpose=purpose).code)


@bp.route("/insurance", methods=["POST"])
@requires("healthcare.use")
def insurance_save() -> Any:
    """Record (or with ``remove``, forget) the citizen's health insurance card code."""
    ensure_consent("health")
    citizen_id = current_citizen().id
    if request.form.get("remove") == "1":
        with transaction():
            removed = InsuranceCard.delete().where(InsuranceCard.citizen_id == citizen_id).execute()
            audit("healthcare.insurance_card", object_ref=f"citizen:{citizen_id}",
                  details={"change": "removed" if removed else "none"})
        return redirect(url_for("healthcare.history"), code=303)
    try:
        card = parse_bhyt_code(request.form.get("code", ""))
    except InvalidBhytCode as exc:
        raise UserInputError(pick(exc.vi, exc.en)) from None
    with transaction():
        row = InsuranceCard.get_or_none(InsuranceCard.citizen_id == citizen_id) or InsuranceCard(citizen_id=citizen_id)
        row.code, row.updated_at = card.code, now()
        row.save()
        audit("healthcare.insurance_card", object_ref=f"citizen:{citizen_id}", details={"change": "set"})
    return redirect(url_for("healthcare.history"), code=303)


def fhir_records(rows: list[Screening]) -> list[ScreeningRecord]:
    """The export's view of screening rows."""
    return [ScreeningRecord(r.id, r.taken_at, r.vitals["values"], r.vitals["devices"]) for r in rows]


def _fhir_document(citizen_id: int) -> Document:
    """The FHIR R4 Bundle the citizen's phone downloads (screenings and the BHYT card)."""
    rows = completed_screenings(citizen_id, EXPORT_PURPOSE)
    bundle = screening_bundle(fhir_records(rows), citizen_id, site_id(), now(),
                              insurance=insurance_card(citizen_id, EXPORT_PURPOSE))
    audit("healthcare.fhir_export", object_ref=f"bundle:{bundle['id']}", details={"screenings": len(rows)})
    return Document(json.dumps(bundle, ensure_ascii=False, indent=2), "application/fhir+json", "ket-qua-kham-fhir.json")


def _fhir_summary(citizen_id: int) -> list[Any]:
    """The printed summary: the latest finished screening's values."""
    rows = completed_screenings(citizen_id, EXPORT_PURPOSE)
    lines: list[Any] = [pick("KẾT QUẢ ĐO SỨC KHOẺ", "SCREENING RESULTS")]
    if not rows:
        return [*lines, pick("Chưa có lần đo nào.", "No screening yet.")]
    lines.append((pick("Số lần đo", "Screenings"), str(len(rows))))
    lines += [(pick(*VALUE_LABELS[k]), _number(v))
              for k, v in rows[-1].vitals["values"].items() if k in VALUE_LABELS]
    lines.append(pick("Chỉ để tham khảo, không phải chẩn đoán.", "For information only, not a diagnosis."))
    return lines


def _number(value: float) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if current_language() == "vi" else text


VALUE_LABELS = {"systolic": ("Huyết áp tâm thu (mmHg)", "Systolic (mmHg)"),
                "diastolic": ("Huyết áp tâm trương (mmHg)", "Diastolic (mmHg)"),
                "pulse": ("Nhịp tim (lần/phút)", "Pulse (/min)"), "spo2": ("SpO2 (%)", "SpO2 (%)"),
                "temperature": ("Nhiệt độ (°C)", "Temperature (°C)"), "weight": ("Cân nặng (kg)", "Weight (kg)"),
                "height": ("Chiều cao (cm)", "Height (cm)"), "bmi": ("BMI", "BMI")}

FHIR_KIND = register_take_home("fhir", title_vi="Kết quả khám dạng FHIR", title_en="Screening results as FHIR",
                               produce=_fhir_document, summary=_fhir_summary, category="health")


@bp.route("/history/fhir", methods=["GET", "POST"])
@requires("healthcare.use", assurance="high", step_up=True)
def history_fhir() -> Any:
    """Every finished screening as a FHIR R4 Bundle of vital-sign Observations, and the BHYT card
    as a ``Coverage``: on the citizen's phone through a QR link (never a file on the kiosk),
    or as JSON for an API client that asks for it."""
    accepted = request.accept_mimetypes
    if max(accepted.quality("application/json"), accepted.quality("application/fhir+json")) > accepted.quality("text/html"):
        citizen = current_citizen()
        with transaction():
            document = _fhir_document(citizen.id)
        return Response(document.body, mimetype=document.mimetype)
    return phone_link_page("fhir", back=url_for("healthcare.history"))
