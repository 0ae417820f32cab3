"""The guided screening: consent, one step per device, retry and skip, then the results."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from sdk import (
    NotFoundError,
    audit,
    current_citizen,
    get_owned,
    now,
    pick,
    requires,
    transaction,
    verified_identity,
)
from sdk.consent import consent_purposes, grant_consent
from sdk.devices import DeviceUnavailable, device, measure
from sdk.formatting import format_datetime
from sdk.printing import print_receipt
from sdk.privacy import has_consent, read_personal

from ..models import Screening
from ..planning import planning_group
from ..screening import (
    MEANING,
    STEP_KINDS,
    STEPS,
    empty_vitals,
    fault_message,
    next_step,
    step_for,
    values_from_reading,
    with_bmi,
)
from ..vitals import BP_GUIDELINE, EMERGENCY_NUMBER, summarize
from . import bp

PURPOSE = {"vi": "Hiển thị kết quả đo cho chính bạn", "en": "Show your results to you"}


def _consented() -> bool:
    return has_consent(current_citizen().id, "healthcare", "health")


def _own_screening(screening_id: int) -> Screening:
    row = get_owned(Screening, screening_id)
    return read_personal(row, purpose=PURPOSE)


@bp.route("/screening")
@requires("healthcare.use")
def screening_start() -> Any:
    """Consent first (once), then what will be measured with which of the site's devices."""
    if not _consented():
        return render_template("healthcare/consent.html", purposes=consent_purposes("health"))
    available = {step.kind: device(step.kind) is not None for step in STEPS}
    return render_template("healthcare/screening_start.html", steps=STEPS, available=available)


@bp.route("/screening/consent", methods=["POST"])
@requires("healthcare.use")
def screening_consent() -> Any:
    """The citizen agreed (explicitly, by pressing the button) to the health data purposes."""
    grant_consent("health")
    return redirect(url_for("healthcare.screening_start"), code=303)


@bp.route("/screening", methods=["POST"])
@requires("healthcare.use")
def screening_begin() -> Any:
    """Open a new screening and go to its first step."""
    if not _consented():
        return redirect(url_for("healthcare.screening_start"), code=303)
    with transaction():
        row = Screening(citizen_id=current_citizen().id, taken_at=now(), state="in_progress", vitals=empty_vitals())
        row.save()
        audit("healthcare.screening_start", object_ref=f"screening:{row.id}")
    return redirect(url_for("healthcare.screening_step", screening_id=row.id, kind=STEP_KINDS[0]), code=303)


def _step_page(row: Screening, kind: str, error: dict[str, str] | None = None, status: int = 200) -> Any:
    step = step_for(kind)
    present = device(kind) is not None
    index = STEP_KINDS.index(kind)
    return render_template("healthcare/screening_step.html", row=row, step=step, steps=STEPS, index=index,
                           present=present, error=error, missing=fault_message("missing")), status


def _check_step(row: Screening, kind: str) -> None:
    if kind not in STEP_KINDS or row.state != "in_progress":
        raise NotFoundError("Not found.")


@bp.route("/screening/<int:screening_id>/<kind>")
@requires("healthcare.use")
def screening_step(screening_id: int, kind: str) -> Any:
    """Instructions for one device, with Measure / Skip."""
    row = _own_screening(screening_id)
    if row.state == "done":
        return redirect(url_for("healthcare.screening_result", screening_id=row.id))
    _check_step(row, kind)
    return _step_page(row, kind)


def _advance(row: Screening) -> Any:
    kind = next_step(row.vitals["steps"])
    if kind is not None:
        return redirect(url_for("healthcare.screening_step", screening_id=row.id, kind=kind), code=303)
    vitals = dict(row.vitals)
    vitals["values"] = with_bmi(vitals["values"])
    vitals["group"] = planning_group(verified_identity(), now())  # age band and sex only, for planners
    with transaction():
        row.vitals = vitals
        row.state = "done"
        row.save()
        measured = sorted(k for k, v in vitals["steps"].items() if v == "measured")
        audit("healthcare.screening_done", object_ref=f"screening:{row.id}", details={"measured": measured})
    return redirect(url_for("healthcare.screening_result", screening_id=row.id), code=303)


@bp.route("/screening/<int:screening_id>/<kind>/measure", methods=["POST"])
@requires("healthcare.use")
def screening_measure(screening_id: int, kind: str) -> Any:
    """Take the reading; a device problem shows what to do, with Retry and Skip."""
    row = _own_screening(screening_id)
    _check_step(row, kind)
    step = step_for(kind)
    try:
        reading = measure(kind)
    except DeviceUnavailable as exc:
        audit("healthcare.measure", object_ref=f"screening:{row.id}", outcome="failed",
              details={"device": kind, "code": exc.code})
        return _step_page(row, kind, error=fault_message(exc.code), status=409)
    driver = device(kind)
    descriptor = getattr(driver, "descriptor", None)
    vitals = dict(row.vitals)
    vitals["values"] = {**vitals["values"], **values_from_reading(step, reading.values)}
    vitals["devices"] = {**vitals["devices"], kind: {
        "id": str(getattr(reading, "device_id", "") or getattr(descriptor, "id", kind)),
        "make": getattr(descriptor, "make", None), "model": getattr(descriptor, "model", None),
        "serial": getattr(descriptor, "serial", None)}}
    vitals["steps"] = {**vitals["steps"], kind: "measured"}
    row.vitals = vitals
    row.save()
    return _advance(row)


@bp.route("/screening/<int:screening_id>/<kind>/skip", methods=["POST"])
@requires("healthcare.use")
def screening_skip(screening_id: int, kind: str) -> Any:
    """Skip a step: the device is missing or the citizen does not want this measurement."""
    row = _own_screening(screening_id)
    _check_step(row, kind)
    vitals = dict(row.vitals)
    vitals["steps"] = {**vitals["steps"], kind: "skipped" if device(kind) is not None else "missing"}
    row.vitals = vitals
    row.save()
    return _advance(row)


@bp.route("/screening/<int:screening_id>/result")
@requires("healthcare.use")
def screening_result(screening_id: int) -> Any:
    """Values, reference ranges and plain advice; the urgent-care message when needed."""
    row = _own_screening(screening_id)
    if row.state != "done":
        return redirect(url_for("healthcare.screening_step", screening_id=row.id,
                                kind=next_step(row.vitals["steps"]) or STEP_KINDS[-1]))
    values = row.vitals["values"]
    summary = summarize({**({"pulse": values["bp_pulse"]} if "bp_pulse" in values else {}), **values})
    return render_template("healthcare/screening_result.html", row=row, values=values, summary=summary,
                           steps=row.vitals["steps"], guideline=BP_GUIDELINE, emergency=EMERGENCY_NUMBER,
                           qr_svg=_takeaway_qr(row, values), printed=request.args.get("printed"),
                           verdicts={a.quantity: a for a in summary.assessments}, meaning=MEANING,
                           step_titles={step.kind: step.title for step in STEPS})


_TAKEAWAY_ORDER = ("systolic", "diastolic", "pulse", "spo2", "temperature", "weight", "height", "bmi")


def _takeaway_text(row: Screening, values: dict[str, float]) -> str:
    """The results as one line of plain text (for the QR code and the printout)."""
    text = "; ".join(f"{k}={values[k]:g}" for k in _TAKEAWAY_ORDER if k in values)
    return f"{pick('Kết quả đo sức khoẻ', 'Health screening')} {format_datetime(float(row.taken_at))}: {text}"


def _takeaway_qr(row: Screening, values: dict[str, float]) -> str:
    """A QR code of the results as plain text, to take away on a phone (no link, no network)."""
    import segno  # only the result page draws a QR code: not imported at the station's start

    # a viewBox without a fixed size: the stylesheet sizes the code and the drawing follows
    return segno.make(_takeaway_text(row, values), error="m").svg_inline(scale=4, omitsize=True)


def _number(value: float, digits: int = 0) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if pick("vi", "en") == "vi" else text


def printed_lines(row: Screening, values: dict[str, float], summary: Any) -> list[Any]:
    """The printed summary: the date, each value with its unit and its verdict in plain words."""
    from . import local_time

    verdicts = {a.quantity: a for a in summary.assessments}
    pulse = values.get("pulse", values.get("bp_pulse"))
    rows: list[tuple[str, str, str | None]] = []
    if "systolic" in values:
        rows.append((pick("Huyết áp", "Blood pressure"),
                     f"{values['systolic']:.0f}/{values['diastolic']:.0f} mmHg", "blood_pressure"))
    if "spo2" in values:
        rows.append((pick("Oxy trong máu (SpO2)", "Blood oxygen (SpO2)"), f"{values['spo2']:.0f} %", "spo2"))
    if pulse is not None:
        rows.append((pick("Mạch", "Pulse"), f"{pulse:.0f} {pick('lần/phút', '/min')}", "pulse"))
    if "temperature" in values:
        rows.append((pick("Nhiệt độ", "Temperature"), f"{_number(values['temperature'], 1)} °C", "temperature"))
    if "weight" in values:
        rows.append((pick("Cân nặng", "Weight"), f"{_number(values['weight'], 1)} kg", None))
    if "height" in values:
        rows.append((pick("Chiều cao", "Height"), f"{_number(values['height'], 1)} cm", None))
    if "bmi" in values:
        rows.append(("BMI", f"{_number(values['bmi'], 1)} kg/m²", "bmi"))
    lines: list[Any] = [pick("KẾT QUẢ ĐO SỨC KHOẺ", "HEALTH SCREENING RESULTS"), local_time(row.taken_at), ""]
    for label, value, quantity in rows:
        lines.append((label, value))
        verdict = verdicts.get(quantity) if quantity else None
        if verdict is not None:
            lines.append(f"  {pick(verdict.label['vi'], verdict.label['en'])}. "
                         f"{pick(verdict.advice['vi'], verdict.advice['en'])}")
    if summary.urgent:
        lines += ["", pick(f"CẦN ĐƯỢC CHĂM SÓC Y TẾ NGAY. Cấp cứu: {EMERGENCY_NUMBER}",
                           f"YOU NEED MEDICAL CARE NOW. Emergency: {EMERGENCY_NUMBER}")]
    lines += ["", pick("Chỉ để tham khảo, không phải chẩn đoán. Hãy hỏi bác sĩ về kết quả.",
                       "For information only, not a diagnosis. Ask a doctor about your results.")]
    return lines


@bp.route("/screening/<int:screening_id>/print", methods=["POST"])
@requires("healthcare.use")
def screening_print(screening_id: int) -> Any:
    """Print the results on the receipt printer (values, categories, the not-a-diagnosis note)."""
    row = _own_screening(screening_id)
    if row.state != "done":
        raise NotFoundError("Not found.")
    values = row.vitals["values"]
    summary = summarize({**({"pulse": values["bp_pulse"]} if "bp_pulse" in values else {}), **values})
    lines = printed_lines(row, values, summary)
    try:
        print_receipt(lines, qr=_takeaway_text(row, values), title_lines=1)
    except DeviceUnavailable as exc:
        return redirect(url_for("healthcare.screening_result", screening_id=row.id, printed=exc.code), code=303)
    return redirect(url_for("healthcare.screening_result", screening_id=row.id, printed="ok"), code=303)
