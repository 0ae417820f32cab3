"""Open data (public, no login) and the planners' dashboard (staff).

``/open-data`` lists every release with its ε and method; each downloads as CSV or JSON.
``/planning`` shows staff the prevalence of high blood pressure by ward with error bars,
the demand heat map by weekday and hour, the trend across months, each ward's ε budget,
and (for admins) a form to publish a release.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from core.errors import StationError
from hub import open_data
from hub.console import _check_csrf, _format_time, _now, staff_required
from hub.db import HubStaff, PrivacyBudget, Release
from hub.planning_charts import count_bars, demand_heatmap, prevalence_chart, trend_chart

EMERGENCY_WORDS = {"call": "gọi / call", "alert": "báo công an / police alert"}

open_data_pages = Blueprint("hub_open_data", __name__, template_folder="templates")


@open_data_pages.get("/open-data")
def index() -> str:
    """Every published release, newest first (public)."""
    from hub import fleet_views, service

    releases = list(Release.select().order_by(Release.id.desc()).limit(500))
    stations = [s for s in service.fleet_overview(_now()) if not s["revoked"]]
    readings = fleet_views.latest_readings([s["id"] for s in stations])
    notes = {station_id: fleet_views.reading_note(values) for station_id, values in readings.items()}
    environment = [(s, readings[s["id"]]) for s in stations if s["id"] in readings]
    return render_template("hub/open_data.html", releases=releases, when=_format_time, environment=environment,
                           statistic_names=open_data.STATISTIC_NAMES,
                           environment_map=fleet_views.station_map([s for s, _ in environment], notes))


@open_data_pages.get("/open-data/<int:release_id>.json")
def release_json(release_id: int) -> Response:
    """One release as JSON: cells (null = suppressed), ε, scale, method."""
    made = _release(release_id)
    return jsonify(id=made.id, province=made.province, ward=made.ward, period=made.period, statistic=made.statistic,
                   epsilon=made.epsilon, scale=made.scale, min_count=made.min_count, stations=made.stations,
                   method=made.method, published_at=made.published_at, cells=json.loads(made.cells))


@open_data_pages.get("/open-data/<int:release_id>.csv")
def release_csv(release_id: int) -> Response:
    """One release as CSV (suppressed cells empty)."""
    made = _release(release_id)
    out = io.StringIO()
    csv.writer(out).writerows(open_data.csv_rows(made))
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=release-{made.id}.csv"})


def _release(release_id: int) -> Release:
    try:
        return open_data.get_release(release_id)
    except StationError:
        abort(404)


@open_data_pages.route("/planning", methods=["GET", "POST"])
@staff_required
def planning() -> Any:
    """The planners' dashboard; admins publish releases from it."""
    error = None
    if request.method == "POST":
        _check_csrf()
        user = HubStaff.get(HubStaff.username == session["staff"])
        from hub.staff import role_at_least

        if not role_at_least(user.role, "admin"):
            abort(403, "Chỉ quản trị viên được công bố số liệu / only an admin can publish")
        try:
            epsilon = float(request.form.get("epsilon", ""))
        except ValueError:
            epsilon = -1.0
        try:
            open_data.release(request.form.get("province", ""), request.form.get("ward", ""),
                              request.form.get("period", ""), request.form.get("statistic", ""), epsilon,
                              session["staff"], _now(),
                              epsilon_per_month=current_app.extensions["hub"]["config"].epsilon_per_month)
            return redirect(url_for("hub_open_data.planning"))
        except StationError as problem:
            error = str(problem)
    releases = list(Release.select().order_by(Release.period, Release.id))
    budgets = list(PrivacyBudget.select().order_by(PrivacyBudget.period.desc(), PrivacyBudget.province,
                                                   PrivacyBudget.ward).limit(200))
    latest_bp = _latest_by_ward(r for r in releases if r.statistic == "bp_category")
    latest = {statistic: next((r for r in reversed(releases) if r.statistic == statistic), None)
              for statistic in open_data.STATISTICS}
    latest_demand = latest["demand"]
    by_group = latest["bp_by_age_sex"]
    return render_template(
        "hub/planning.html", error=error, budgets=budgets, csrf_token=session["csrf"], quality=data_quality(),
        prevalence=prevalence_chart([(f"{r.ward}, {r.province} ({r.period})", open_data.prevalence(r))
                                     for r in latest_bp]),
        heatmap=demand_heatmap(latest_demand), demand=latest_demand,
        trend=trend_chart([(r.period, f"{r.ward}, {r.province}", open_data.prevalence(r))
                           for r in releases if r.statistic == "bp_category"]),
        prevalence_groups=prevalence_chart(
            open_data.prevalence_by_group(by_group) if by_group else [], svg_id="prevalence-age-sex",
            title="Tỷ lệ tăng huyết áp theo nhóm tuổi và giới / High blood pressure by age band and sex"),
        by_group=by_group, latest=latest, statistics=list(open_data.STATISTICS),
        emergency=count_bars(latest["emergency"], "emergency-chart",
                             lambda c: f'{c["service"]} {EMERGENCY_WORDS[c["kind"]]}'
                                       f'{"" if c["outcome"] == "ok" else " — lỗi / failed"}'),
        session_time=count_bars(latest["session_time"], "session-time-chart", lambda c: c["band"]),
        video_wait=count_bars(latest["video_wait"], "video-wait-chart", lambda c: c["band"]),
        username=session["staff"]), 400 if error else 200


def data_quality() -> list[dict[str, Any]]:
    """Per ward and month: record mismatches found, corrections filed, resolved (counts of
    events, no person; from the stations' ``data_quality`` counts)."""
    from peewee import fn

    from hub.db import StatCount

    rows = (StatCount.select(StatCount.province, StatCount.ward, StatCount.period, StatCount.cell,
                             fn.SUM(StatCount.count).alias("total"))
            .where(StatCount.statistic == "data_quality")
            .group_by(StatCount.province, StatCount.ward, StatCount.period, StatCount.cell))
    table: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in rows:
        event = json.loads(row.cell).get("event", "")
        counts = table.setdefault((row.province, row.ward, row.period), {"mismatch": 0, "correction": 0,
                                                                        "resolved": 0})
        if event in counts:
            counts[event] += int(row.total)
    return [{"province": p, "ward": w, "period": m, **counts}
            for (p, w, m), counts in sorted(table.items(), key=lambda item: (item[0][2], item[0][0], item[0][1]),
                                            reverse=True)]


def _latest_by_ward(releases: Any) -> list[Release]:
    latest: dict[tuple[str, str], Release] = {}
    for made in releases:
        latest[made.province, made.ward] = made
    return [latest[key] for key in sorted(latest)]
