"""Web pages of the public safety service (mounted under /s/security/)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for

from sdk import (
    NotFoundError,
    UserInputError,
    audit,
    current_citizen,
    now,
    pick,
    plugin_settings,
    public,
    requires,
    transaction,
)
from sdk.connectors import ConnectorUnavailable
from sdk.formatting import station_time
from sdk.lists import limit_rate, paginate
from sdk.privacy import has_consent
from sdk.uploads import check_upload

from . import camera
from .connector import ward_police
from .intercom import CONNECTED, ENDED, IntercomSimulator, intercom
from .models import KINDS, AnonymousTip, Report

bp = Blueprint("security", __name__, template_folder="templates")

#: What startup() learned about the station (site id, names, address).
STATION: dict[str, Any] = {}

SERVICES = {
    "113": {"vi": "Công an", "en": "Police"},
    "114": {"vi": "Cứu hoả, cứu nạn cứu hộ", "en": "Fire and rescue"},
    "115": {"vi": "Cấp cứu y tế", "en": "Ambulance"},
}
#: Each number is its own action: what it is for, and the words on its button.
SERVICE_WORDING = {
    "113": {"when": ("Trộm cướp, đánh nhau, bị đe doạ, gây rối trật tự",
                     "Robbery, a fight, threats, public disorder"),
            "action": ("Gọi Công an 113", "Call the police, 113"), "tone": "police"},
    "114": {"when": ("Cháy, nổ, người mắc kẹt, đuối nước, sập đổ",
                     "Fire, explosion, someone trapped, drowning, collapse"),
            "action": ("Gọi Cứu hoả, cứu nạn 114", "Call fire and rescue, 114"), "tone": "fire"},
    "115": {"when": ("Người bất tỉnh, khó thở, đau ngực, chảy máu nhiều, tai nạn",
                     "Someone unconscious, not breathing well, chest pain, heavy bleeding, an accident"),
            "action": ("Gọi Cấp cứu 115", "Call an ambulance, 115"), "tone": "ambulance"},
}
CATEGORIES = {
    "incident": {"theft": ("Trộm cắp", "Theft"), "fight": ("Đánh nhau, gây rối", "Fight or disorder"),
                 "traffic": ("Tai nạn, ùn tắc giao thông", "Traffic accident or jam"),
                 "other": ("Khác", "Other")},
    "tip": {"drugs": ("Ma tuý", "Drugs"), "gambling": ("Cờ bạc", "Gambling"),
            "fraud": ("Lừa đảo", "Fraud"), "suspicious": ("Đối tượng khả nghi", "Suspicious person"),
            "other": ("Khác", "Other")},
    "lost_documents": {"id_card": ("Thẻ căn cước", "ID card"), "passport": ("Hộ chiếu", "Passport"),
                       "driving_licence": ("Giấy phép lái xe", "Driving licence"),
                       "vehicle_registration": ("Đăng ký xe", "Vehicle registration"), "other": ("Khác", "Other")},
}
KIND_NAMES = {"incident": ("Báo sự việc", "Report an incident"), "tip": ("Tố giác, tin báo", "Security tip"),
              "lost_documents": ("Báo mất giấy tờ", "Lost documents")}
STATUS_NAMES = {"received": ("Đã tiếp nhận", "Received"), "verifying": ("Đang xác minh", "Being verified"),
                "handled": ("Đã xử lý", "Handled")}


def _pair(value: tuple[str, str]) -> str:
    return pick(*value)


def station_location() -> str:
    """Where the station is, as sent with an alert: the setting, else the site address."""
    return str(plugin_settings().get("station_location") or STATION.get("address") or "")


def _tracking_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "TB-" + "".join(secrets.choice(alphabet) for _ in range(8))


def _local_now() -> datetime:
    return station_time(now())  # type: ignore[return-value]


# -- emergency (no login) -------------------------------------------------------------------

@bp.route("/")
@public
def index() -> str:
    """Emergency numbers in large type, one call action each, then reports and contacts."""
    return render_template("security/index.html", services=SERVICES, wording=SERVICE_WORDING,
                           kinds=KIND_NAMES, pair=_pair, citizen=current_citizen(), intercom_conn=intercom())


@bp.route("/alert", methods=["POST"])
@public
def alert() -> tuple[str, int] | str:
    """Call the dispatcher over the station intercom and alert the ward police (both audited).

    The intercom shows the dispatcher the station's address; the ward police alert (when the
    site enables it) carries the station's location and the time. Nothing about the person.
    """
    service = request.form.get("service", "")
    if service not in SERVICES:
        raise UserInputError(pick("Chọn 113, 114 hoặc 115.", "Choose 113, 114 or 115."))
    settings = plugin_settings()
    context = {"service": service, "name": SERVICES[service], "wording": SERVICE_WORDING[service],
               "location": station_location(), "at": _local_now(), "conn": ward_police(),
               "intercom_conn": intercom()}
    call_id = _place_call(service, context["location"])
    context["call"] = intercom().state(call_id, now()) if call_id else None
    if not settings["alert_enabled"]:
        return render_template("security/alert.html", sent=False, **context)
    police = ward_police()
    recent = [a for a in getattr(police, "alerts", []) if now() - a.at < int(settings["alert_cooldown_s"])]
    if recent:
        return render_template("security/alert.html", sent=True, already=True, **context)
    try:
        alert_id = police.alert(service, context["location"], str(STATION.get("site_id", "")), now())
    except ConnectorUnavailable:
        with transaction():
            audit("security.emergency_alert", object_ref=f"service:{service}", outcome="failed",
                  details={"service": service, "reason": "police_unavailable"})
        return render_template("security/alert.html", sent=False, failed=True, **context), 503
    with transaction():
        audit("security.emergency_alert", object_ref=f"alert:{alert_id}", details={"service": service})
    return render_template("security/alert.html", sent=True, alert_id=alert_id, **context)


def _place_call(service: str, location: str) -> str | None:
    """Call the dispatcher on the intercom (audited); None when the line is down."""
    try:
        call_id = intercom().call(service, location, str(STATION.get("site_id", "")), now())
    except ConnectorUnavailable:
        with transaction():
            audit("security.emergency_call", object_ref=f"service:{service}", outcome="failed",
                  details={"service": service, "reason": "intercom_unavailable"})
        return None
    with transaction():
        audit("security.emergency_call", object_ref=f"call:{call_id[:8]}", details={"service": service})
    return call_id


@bp.route("/call/<call_id>")
@public
def call_status(call_id: str) -> Any:
    """The call in progress (the page reloads itself while the dispatcher has not answered)."""
    call = intercom().state(call_id, now())
    if call is None:
        raise NotFoundError(pick("Không có cuộc gọi này.", "No such call."))
    if request.accept_mimetypes.best == "application/json":
        return {"state": call.state}
    return render_template("security/call.html", call=call, name=SERVICES[call.service],
                           wording=SERVICE_WORDING[call.service], intercom_conn=intercom(),
                           connected=call.state == CONNECTED, ended=call.state == ENDED)


@bp.route("/call/<call_id>/end", methods=["POST"])
@public
def call_end(call_id: str) -> Any:
    """Hang up (audited with the call's length)."""
    call = intercom().hang_up(call_id, now())
    if call is None:
        raise NotFoundError(pick("Không có cuộc gọi này.", "No such call."))
    with transaction():
        audit("security.emergency_call_end", object_ref=f"call:{call_id[:8]}",
              details={"service": call.service, "seconds": round((call.ended_at or now()) - call.started_at)})
    return redirect(url_for("security.call_status", call_id=call_id), code=303)


@bp.route("/sim/dispatcher")
@public
def sim_dispatcher() -> str:
    """The simulated dispatcher's screen: what a 113/114/115 operator sees of the station's calls."""
    line = intercom()
    if not isinstance(line, IntercomSimulator):
        raise NotFoundError(pick("Chỉ có ở trạm mô phỏng.", "Only at a simulated station."))
    calls = sorted((line.state(c, now()) for c in list(line.calls)), key=lambda c: -c.started_at)
    return render_template("security/sim_dispatcher.html", calls=calls, services=SERVICES, intercom_conn=line)


@bp.route("/contacts")
@public
def contacts() -> str:
    """Local police contacts and the station's area information."""
    settings = plugin_settings()
    return render_template("security/contacts.html", s=settings, station=STATION, location=station_location(),
                           services=SERVICES)


# -- reports --------------------------------------------------------------------------------

def _read_report_form(kind: str) -> dict[str, Any]:
    category = request.form.get("category", "")
    description = (request.form.get("description") or "").strip()
    occurred = (request.form.get("occurred") or "").strip()[:40]
    place = (request.form.get("place") or "").strip()[:200]
    if category not in CATEGORIES[kind]:
        raise UserInputError(pick("Vui lòng chọn loại tin báo.", "Please choose a category."))
    if not 10 <= len(description) <= 2000:
        raise UserInputError(pick("Vui lòng mô tả sự việc (10–2000 ký tự).",
                                  "Please describe what happened (10–2000 characters)."))
    if request.form.get("photo_data"):  # the kiosk camera's photo, chosen by the citizen
        content, mime_type = camera.checked_photo(request.form["photo_data"])
        return {"category": category, "description": description, "occurred": occurred, "place": place,
                "photo": content, "photo_type": mime_type}
    photo = request.files.get("photo")  # a file, only where the station has no camera (staff desk, web)
    content = photo.read() if photo and photo.filename and not camera.has_camera() else b""
    checked = None
    if content:
        checked = check_upload(content, filename=photo.filename, allowed=("jpeg", "png"),
                               max_bytes=int(plugin_settings()["max_photo_kb"]) * 1024)
    return {"category": category, "description": description, "occurred": occurred, "place": place,
            "photo": content if checked else None, "photo_type": checked.mime_type if checked else None}


def _report_form(kind: str, anonymous: bool, values: dict[str, str] | None = None,
                 photo: dict[str, Any] | None = None) -> str:
    """The report (or tip) form, with the camera widget where the station has a camera."""
    return render_template("security/report_form.html", kind=kind, anonymous=anonymous,
                           needs_consent=not anonymous and not _consented(), categories=CATEGORIES[kind],
                           kinds=KIND_NAMES, pair=_pair, values=values or {}, camera=camera.has_camera(),
                           photo=photo or {"state": camera.EMPTY, "data": "", "error": None})


def _photo_page(kind: str, anonymous: bool) -> Response:
    page = make_response(_report_form(kind, anonymous, camera.kept_values(request.form),
                                      camera.photo_step(request.form)))
    page.headers["Cache-Control"] = "no-store"  # the photo is in the page: never kept by the browser
    return page


@bp.route("/tip/photo", methods=["POST"])
@public
def tip_photo() -> Response:
    """The anonymous tip's photo step (take, use, retake, drop); the typed text is kept."""
    return _photo_page("tip", True)


@bp.route("/report/<kind>/photo", methods=["POST"])
@requires("security.report")
def report_photo(kind: str) -> Response:
    """The identified report's photo step (take, use, retake, drop); the typed text is kept."""
    if kind not in KINDS:
        raise UserInputError(pick("Không có loại tin báo này.", "No such kind of report."))
    return _photo_page(kind, False)


@bp.route("/tip", methods=["GET", "POST"])
@public
def tip() -> str:
    """An anonymous security tip: no login needed, nothing that identifies the reporter is kept."""
    if request.method == "GET":
        return _report_form("tip", True)
    data = _read_report_form("tip")
    limit_rate("tip", per_citizen=None, per_station=(60, 3600))  # anonymous: per station only
    code = _tracking_code()
    with transaction():
        AnonymousTip.create(tracking_code=code, category=data["category"], description=data["description"],
                            occurred=data["occurred"], place=data["place"], photo=data["photo"],
                            photo_type=data["photo_type"], created_on=_local_now().date().isoformat())
        # actor "anonymous" even for a logged-in citizen: the audit log must not link them either.
        audit("security.tip_received", actor="anonymous", object_ref=f"tip:{code}",
              details={"category": data["category"], "photo": data["photo"] is not None})
    _file(code, "tip", data, anonymous=True)
    return render_template("security/report_done.html", code=code, anonymous=True)


def _file(code: str, kind: str, data: dict[str, Any], anonymous: bool) -> None:
    try:
        ward_police().file_report(code, kind, data["category"], data["description"][:200], anonymous, now())
    except ConnectorUnavailable:
        pass  # kept at the station; staff forward it (the tracking code is valid either way)


def _consented() -> bool:
    citizen = current_citizen()
    return all(has_consent(citizen.id, "security", c) for c in ("personal", "location"))


@bp.route("/report/<kind>", methods=["GET", "POST"])
@requires("security.report")
def report(kind: str) -> str:
    """A report by an identified citizen, who can follow its status later."""
    if kind not in KINDS:
        raise UserInputError(pick("Không có loại tin báo này.", "No such kind of report."))
    if request.method == "GET":
        return _report_form(kind, False)
    if not _consented():
        if request.form.get("agree") != "yes":
            raise UserInputError(pick("Cần bạn đồng ý cho xử lý dữ liệu để gửi tin báo có danh tính "
                                      "(hoặc gửi tin báo ẩn danh).",
                                      "Your consent is needed to send an identified report (or send an anonymous tip)."))
        from sdk.consent import grant_consent

        grant_consent("personal")
        grant_consent("location")
    data = _read_report_form(kind)
    limit_rate("report", per_citizen=(10, 3600), per_station=(200, 3600))
    code = _tracking_code()
    photo = data.pop("photo")
    with transaction():
        row = Report(citizen_id=current_citizen().id, tracking_code=code, kind=kind, category=data["category"],
                     created_at=now())
        row.content = {**{k: v for k, v in data.items() if k != "photo_type"}, "photo_type": data["photo_type"],
                       "photo": photo.hex() if photo else None}
        row.save()
        audit("security.report_received", object_ref=f"report:{code}",
              details={"kind": kind, "category": data["category"], "photo": photo is not None})
    _file(code, kind, data, anonymous=False)
    return render_template("security/report_done.html", code=code, anonymous=False)


@bp.route("/reports")
@requires("security.report")
def my_reports() -> str:
    """The identified reporter's reports and where they stand."""
    page = paginate(Report.select(Report.tracking_code, Report.kind, Report.category, Report.created_at).where(
        Report.citizen_id == current_citizen().id).order_by(Report.created_at.desc(), Report.id.desc()))
    police = ward_police()
    items = [(row, police.report_status(row.tracking_code, now())) for row in page.items]
    return render_template("security/reports.html", items=items, page=page, kinds=KIND_NAMES,
                           statuses=STATUS_NAMES, categories=CATEGORIES, pair=_pair, conn=police)




# -- environment (radiation, fine dust): public, no login ---------------------------------------


def _environment_state() -> dict[str, Any]:
    """Sample what is due, raise alerts for crossed thresholds, and gather what the page shows."""
    from sdk.alerts import raise_alert

    from . import environment as env

    settings = plugin_settings()
    at = now()
    result = env.sample_due(at, float(settings["env_sample_seconds"]))
    limits = env.thresholds(settings)
    geiger, dust = env.latest("geiger_counter"), env.latest("air_quality")
    hourly = env.hourly_pm25(at)
    aqi = env.vn_aqi_pm25(hourly) if hourly is not None else None
    dose = geiger.value_dict["dose_rate"] if geiger is not None else None
    warnings = {"dose_rate": dose is not None and dose >= limits["dose_rate"],
                "aqi": aqi is not None and aqi >= limits["aqi"]}
    if warnings["dose_rate"] and geiger in result.readings:
        raise_alert("radiation_high", object_ref="env:geiger_counter",
                    message_vi=f"Suất liều phóng xạ tại trạm {dose:.3f} µSv/h, vượt ngưỡng {limits['dose_rate']} µSv/h.",
                    message_en=f"Dose rate at the station {dose:.3f} µSv/h, above {limits['dose_rate']} µSv/h.")
    if warnings["aqi"] and dust in result.readings:
        raise_alert("air_quality_bad", object_ref="env:air_quality",
                    message_vi=f"Chỉ số VN_AQI (PM2.5) tại trạm là {aqi}, vượt ngưỡng {int(limits['aqi'])}.",
                    message_en=f"VN_AQI (PM2.5) at the station is {aqi}, above {int(limits['aqi'])}.")
    for kind, message in result.problems.items():
        raise_alert("env_sensor_fault", object_ref=f"env:{kind}", message_vi=message, message_en=message)
    start = at - env.DAY_S
    ends = (pick("24 giờ trước", "24 hours ago"), pick("Bây giờ", "Now"))
    return {"at": at, "kinds": env.present_kinds(), "geiger": geiger, "dust": dust, "dose": dose, "aqi": aqi,
            "hourly_pm25": hourly, "category": env.aqi_category(aqi) if aqi is not None else None,
            "warnings": warnings, "limits": limits, "problems": result.problems,
            "dose_chart": env.chart_svg([(r.taken_at, r.value_dict["dose_rate"]) for r in env.since("geiger_counter", start)],
                                        start, at, limits["dose_rate"], pick("Suất liều 24 giờ", "Dose rate, 24 hours"),
                                        *ends),
            "pm_chart": env.chart_svg([(r.taken_at, r.value_dict["pm25"]) for r in env.since("air_quality", start)],
                                      start, at, None, pick("PM2.5 trong 24 giờ", "PM2.5, 24 hours"), *ends)}


@bp.route("/environment")
@public
def environment() -> str:
    """Radiation and fine dust at the station now, the VN_AQI, 24-hour charts and warnings."""
    return render_template("security/environment.html", env=_environment_state())


@bp.route("/environment.json")
@public
def environment_json() -> Any:
    """The same as JSON (for the kiosk's environment screen and the fleet hub)."""
    from flask import jsonify

    state = _environment_state()
    return jsonify(at=state["at"], dose_rate_usv_h=state["dose"], cpm=state["geiger"].value_dict["cpm"]
                   if state["geiger"] else None, pm25_hourly_ug_m3=state["hourly_pm25"], vn_aqi=state["aqi"],
                   category=state["category"].code if state["category"] else None, warnings=state["warnings"],
                   problems=sorted(state["problems"]))
