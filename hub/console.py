"""The hub console: staff log in (argon2id) and see the fleet and its alerts.

Sessions are Flask's signed cookies keyed by the shared ``session.key``, so any hub process
serves any staff request; every state change carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from hub import fleet_views, service, staff
from hub.config import load_staff_key
from hub.db import Alert, HubStaff

console = Blueprint("hub_console", __name__, template_folder="templates")
SESSION_LIFETIME = 8 * 3600


def add_staff(username: str, password: str, now: float, role: str = "admin") -> None:
    """Create a hub console account (same password rules and hash as station staff)."""
    staff.add_staff(username, password, now, role=role)


def _staff_key() -> bytes:
    return load_staff_key(current_app.extensions["hub"]["config"])


def _now() -> float:
    return current_app.extensions["hub"]["clock"]()


def staff_required(view: Callable[..., Any] | None = None, *, role: str = "viewer") -> Any:
    """Only a logged-in, still-enabled staff member within the session lifetime whose role
    includes ``role`` (viewer < operator < admin); others get 403 with the reason."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            username, since = session.get("staff"), session.get("since", 0)
            user = HubStaff.get_or_none(HubStaff.username == username, HubStaff.disabled == False) \
                if username else None  # noqa: E712
            if user is None or _now() - since > SESSION_LIFETIME:
                session.clear()
                return redirect(url_for("hub_console.login"))
            if not staff.role_at_least(user.role, role):
                abort(403, f"Vai trò {user.role} không được làm việc này / the {user.role} role cannot do this "
                           f"(needs {role})")
            return view(*args, **kwargs)
        return wrapper
    return decorate(view) if view is not None else decorate


def _check_csrf() -> None:
    token = session.get("csrf", "")
    if not token or not hmac.compare_digest(token, request.form.get("csrf_token", "")):
        abort(400, "missing or wrong CSRF token; reload the page")


def _login_csrf() -> str:
    session.setdefault("csrf", secrets.token_urlsafe(24))
    return session["csrf"]


@console.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The staff login form."""
    error = None
    if request.method == "POST":
        _check_csrf()
        if staff.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                              request.form.get("code", ""), _staff_key(), _now()):
            session.clear()
            session["staff"] = request.form["username"]
            session["since"] = _now()
            session["csrf"] = secrets.token_urlsafe(24)
            return redirect(url_for("hub_console.overview"))
        error = "Sai tên đăng nhập, mật khẩu hoặc mã xác thực. / Wrong username, password or code."
    return render_template("hub/login.html", csrf_token=_login_csrf(), error=error), 401 if error else 200


@console.post("/logout")
@staff_required
def logout() -> Any:
    """End the staff session."""
    _check_csrf()
    session.clear()
    return redirect(url_for("hub_console.login"))


@console.get("/")
@staff_required
def overview() -> Any:
    """Every station: last seen, health, devices needing attention, open alerts."""
    now = _now()
    offline_after = current_app.extensions["hub"]["config"].offline_after
    service.sweep_offline(now, offline_after)
    everyone = service.fleet_overview(now, offline_after)
    province, ward = request.args.get("province", ""), request.args.get("ward", "")
    stations = fleet_views.filter_stations(everyone, province, ward)
    alerts = list(Alert.select().where(Alert.acknowledged_at.is_null()).order_by(Alert.created_at.desc()).limit(200))
    shown = {s["id"] for s in stations}
    alerts = [a for a in alerts if a.station_id in shown or not (province or ward)]
    return render_template("hub/overview.html", stations=stations, alerts=alerts, csrf_token=session["csrf"],
                           when=_format_time, username=session["staff"], places=fleet_views.places(everyone),
                           province=province, ward=ward, station_map=fleet_views.station_map(stations))


@console.get("/usage")
@staff_required
def usage() -> Any:
    """Usage across the fleet (or a province/ward): the station console's charts, summed."""
    everyone = service.fleet_overview(_now(), current_app.extensions["hub"]["config"].offline_after)
    province, ward = request.args.get("province", ""), request.args.get("ward", "")
    stations = fleet_views.filter_stations(everyone, province, ward)
    totals = fleet_views.fleet_usage([s["id"] for s in stations])
    return render_template("hub/usage.html", usage=totals, charts=fleet_views.usage_charts(totals),
                           places=fleet_views.places(everyone), province=province, ward=ward,
                           username=session["staff"])


@console.post("/alerts/<int:alert_id>/acknowledge")
@staff_required(role="operator")
def acknowledge(alert_id: int) -> Any:
    """Acknowledge an alert."""
    _check_csrf()
    service.acknowledge_alert(alert_id, session["staff"], _now())
    return redirect(url_for("hub_console.overview"))


@console.route("/config", methods=["GET", "POST"])
@staff_required
def config_page() -> Any:
    """Desired configuration of one scope: see it, preview the diff of an edit, save it (audited)."""
    import json

    from core.errors import StationError
    from hub.db import ConfigScope, GroupMember, HubEvent
    from hub.desired_config import check_scope, diff, set_scope, validate_document

    scope = request.values.get("scope", "fleet")
    error, changes, saved = None, None, False
    try:
        check_scope(scope)
    except StationError as problem:
        abort(404, str(problem))
    row = ConfigScope.get_or_none(ConfigScope.scope == scope)
    current = json.loads(row.document) if row else {}
    text = json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True)
    if request.method == "POST":
        _check_csrf()
        text = request.form.get("document", "")
        try:
            document = json.loads(text)
            if request.form.get("action") == "save":
                user = HubStaff.get(HubStaff.username == session["staff"])
                if not staff.role_at_least(user.role, "admin"):
                    abort(403, "Chỉ quản trị viên được đổi cấu hình / only an admin can change configuration")
                changes = set_scope(scope, document, session["staff"], _now())
                saved = True
            else:
                changes = diff(current, validate_document(document))
        except ValueError as problem:
            error = f"JSON không hợp lệ / not valid JSON: {problem}"
        except StationError as problem:
            error = str(problem)
    groups = sorted({m.group_name for m in GroupMember.select(GroupMember.group_name)})
    stations = [(s["id"], s["site_id"]) for s in service.fleet_overview(_now())]
    events = list(HubEvent.select().where(HubEvent.object_ref == scope).order_by(HubEvent.id.desc()).limit(20))
    return render_template("hub/config.html", scope=scope, text=text, error=error, changes=changes, saved=saved,
                           groups=groups, stations=stations, events=events, csrf_token=session["csrf"],
                           when=_format_time, loads=json.loads, username=session["staff"]), 400 if error else 200


def _format_time(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    from zoneinfo import ZoneInfo

    local = datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return local.strftime("%d/%m/%Y %H:%M")




@console.get("/rollouts")
@staff_required
def rollouts_page() -> Any:
    """Staged plugin rollouts: stage, state, each station's state, and their history."""
    from hub.db import HubEvent, Rollout
    from hub.supply.rollout import rollout_summary

    rollouts = [rollout_summary(r) for r in Rollout.select().order_by(Rollout.id.desc()).limit(50)]
    events = list(HubEvent.select().where(HubEvent.action.startswith("rollout.")).order_by(HubEvent.id.desc())
                  .limit(100))
    sites = {s["id"]: s["site_id"] for s in service.fleet_overview(_now())}
    return render_template("hub/rollouts.html", rollouts=rollouts, events=events, sites=sites,
                           csrf_token=session["csrf"], when=_format_time, username=session["staff"])


@console.post("/rollouts/<int:rollout_id>/rollback")
@staff_required(role="admin")
def rollout_rollback(rollout_id: int) -> Any:
    """One action: every station offered the version goes back to the previous one (audited)."""
    from hub.supply.rollout import rollback

    _check_csrf()
    rollback(rollout_id, _now(), session["staff"])
    return redirect(url_for("hub_console.rollouts_page"))
