"""Planning statistics: stations send only counts; the hub publishes them with OpenDP noise,
spends and enforces each ward's ε budget, suppresses small cells, and serves open data."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from core.fleet.client import HubClient
from core.fleet.models import HubOutbox
from core.fleet.stats import collect_stats
from hub.console import add_staff
from hub.db import PrivacyBudget, Release, StatCount
from hub.open_data import BudgetExhausted, release, store_counts
from hub.service import create_enrolment_code

PASSWORD = "một mật khẩu dài đủ 2026"


@pytest.fixture
def hub_clock(station_clock):
    return station_clock


def _bp_counts(station_id, clock, ward="Phường Hoàn Kiếm", counts=None):
    counts = counts or {"normal": 400, "grade_1": 150, "grade_2": 40, "grade_3": 3}
    store_counts(station_id, {"period": "2026-12", "province": "Hà Nội", "ward": ward,
                              "counts": [{"statistic": "bp_category", "cell": {"category": c}, "count": n}
                                         for c, n in counts.items()]}, clock())


def test_a_release_adds_noise_spends_the_budget_and_refuses_past_it(hub_config, hub_clock):
    _bp_counts("st-0000000000000001", hub_clock)
    _bp_counts("st-0000000000000002", hub_clock)
    first = release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", 0.5, "lan", hub_clock(), min_count=60)
    cells = {c["cell"]["category"]: c["count"] for c in json.loads(first.cells)}
    # every category of the fixed list is there; counts are near the true sums (noise scale 4:
    # a deviation over 60 has probability e^-15)
    assert set(cells) == {"low", "optimal", "normal", "high_normal", "grade_1", "grade_2", "grade_3"}
    assert abs(cells["normal"] - 800) <= 60 and abs(cells["grade_1"] - 300) <= 60
    # true counts 6 and 0 are below the minimum of 60 and suppressed (noise reaching 54: p ≈ e^-13)
    assert cells["grade_3"] is None and cells["low"] is None
    assert first.scale == pytest.approx(2 / 0.5) and first.stations == 2 and "OpenDP" in first.method
    release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "demand", 0.5, "lan", hub_clock())
    with pytest.raises(BudgetExhausted, match="budget"):
        release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", 0.1, "lan", hub_clock())
    budget = PrivacyBudget.get()
    assert (budget.epsilon_spent, budget.epsilon_total) == (1.0, 1.0)
    assert Release.select().count() == 2
    # another ward, or another month, has its own budget
    release("Hà Nội", "Phường Ba Đình", "2026-12", "bp_category", 1.0, "lan", hub_clock())
    release("Hà Nội", "Phường Hoàn Kiếm", "2026-11", "bp_category", 1.0, "lan", hub_clock())


def test_noise_is_really_added(hub_config, hub_clock):
    _bp_counts("st-0000000000000001", hub_clock, counts={"normal": 1000})
    values = set()
    for _ in range(6):
        PrivacyBudget.delete().execute()
        made = release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", 0.2, "lan", hub_clock())
        values.add(next(c["count"] for c in json.loads(made.cells) if c["cell"]["category"] == "normal"))
    assert len(values) > 1 and all(abs(v - 1000) < 200 for v in values)


@pytest.mark.parametrize("epsilon", [0, -1, 1.5, float("nan")])
def test_a_bad_epsilon_or_statistic_is_refused(hub_config, hub_clock, epsilon):
    from core.errors import UserInputError

    with pytest.raises(UserInputError):
        release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", epsilon, "lan", hub_clock())
    with pytest.raises(UserInputError, match="no published cell list"):
        release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "names", 0.1, "lan", hub_clock())


def test_no_row_about_a_person_leaves_the_station(station_factory, hub_apps, station_clock):
    """What the hub receives from a station with screenings (by age band and sex), emergency
    calls, sessions and video consultations: aggregate cells only, nothing about a person."""
    from core.audit.log import transaction
    from plugins.healthcare.models import Screening, VideoCall

    app = station_factory(plugins=["healthcare"])
    station = app.extensions["station"]
    captured = []

    def transport(method, url, headers, body):
        captured.append(body)
        from urllib.parse import urlparse

        response = hub_apps[0].test_client().open(urlparse(url).path, method=method, data=body, headers=headers)
        return response.status_code, response.get_data(as_text=True)

    client = HubClient(station, transport)
    with app.app_context():
        client.enrol("http://localhost", create_enrolment_code(station_clock()))
        from core.identity.models import Citizen
        from core.privacy.consent import grant

        for number in range(1, 6):
            citizen = Citizen.create(id_hash=f"{number:064d}", created_at=station_clock()).id
            grant(citizen, "healthcare", "health")
            group = {"age_band": "40-59" if number <= 3 else "60-74", "sex": "female" if number % 2 else "male"}
            for systolic in (150, 118):  # two screenings each: only the latest counts
                Screening.create(citizen_id=citizen, taken_at=station_clock(), state="done",
                                 vitals={"values": {"systolic": systolic, "diastolic": 75, "weight": 60.0,
                                                    "height": 165.0}, "devices": {}, "steps": {}, "group": group})
                station_clock.advance(60)
            VideoCall.create(citizen_id=citizen, state="ended", created_at=station_clock(),
                             answered_at=station_clock() + 45 * number)
            with transaction():
                station.audit.record("session.end", actor=f"citizen:{citizen}", object_ref=f"citizen:{citizen}",
                                     details={"seconds": 100 * number, "reason": "finish"})
        with transaction():
            station.audit.record("security.emergency_call", actor="anonymous", object_ref="call:abcdefgh",
                                 plugin="security", details={"service": "115"})
            station.audit.record("security.emergency_alert", actor="anonymous", object_ref="service:113",
                                 plugin="security", outcome="failed",
                                 details={"service": "113", "reason": "police_unavailable"})
        period = __import__("datetime").datetime.fromtimestamp(station_clock()).strftime("%Y-%m")
        body = collect_stats(station, period)
        client.enqueue_stats_if_due()
        client.flush()

    def cells(statistic):
        return sorted((tuple(sorted(c["cell"].items())), c["count"]) for c in body["counts"]
                      if c["statistic"] == statistic)

    # 118/75, each citizen once (their latest screening, not 150/75), by age band and sex
    assert cells("bp_category") == [
        ((("age_band", "40-59"), ("category", "optimal"), ("sex", "female")), 2),
        ((("age_band", "40-59"), ("category", "optimal"), ("sex", "male")), 1),
        ((("age_band", "60-74"), ("category", "optimal"), ("sex", "female")), 1),
        ((("age_band", "60-74"), ("category", "optimal"), ("sex", "male")), 1)]
    assert sum(n for _, n in cells("bmi_category")) == 5
    assert cells("emergency") == [((("kind", "alert"), ("outcome", "failed"), ("service", "113")), 1),
                                  ((("kind", "call"), ("outcome", "ok"), ("service", "115")), 1)]
    assert cells("session_time") == [((("band", "0-2min"),), 1), ((("band", "2-5min"),), 1),
                                     ((("band", "5-10min"),), 3)]
    assert cells("video_wait") == [((("band", "0-1min"),), 1), ((("band", "1-3min"),), 2),
                                   ((("band", "3-10min"),), 2)]  # 45, 90 … 225 s

    messages = [m for chunk in captured if chunk.startswith(b"{") for m in json.loads(chunk).get("messages", [])]
    stats = [m for m in messages if m["kind"] == "stats"]
    assert stats and all(set(m["body"]) == {"period", "province", "ward", "counts"} for m in stats)
    allowed = {"category", "age_band", "sex", "weekday", "hour", "service", "kind", "outcome", "band", "system",
               "field", "event"}
    for message in stats:
        for count in message["body"]["counts"]:
            assert set(count) <= {"statistic", "cell", "count", "plugin"} and isinstance(count["count"], int)
            assert set(count["cell"]) <= allowed and all(isinstance(v, str) and len(v) <= 12
                                                         for v in count["cell"].values())
    sent = json.dumps(stats, ensure_ascii=False)
    for leak in ("citizen", "systolic", "weight", "0000000001", "call:", "seconds", "date_of_birth"):
        assert leak not in sent, leak
    # what the hub stored is the same cells, and it publishes them by age band and sex
    stored = {(c.statistic, c.cell) for c in StatCount.select()}
    assert ("emergency", json.dumps({"kind": "call", "outcome": "ok", "service": "115"})) in stored
    assert all(set(json.loads(cell)) <= allowed for _, cell in stored)
    with app.app_context():
        assert HubOutbox.select().where(HubOutbox.kind == "stats", HubOutbox.sent_at.is_null()).count() == 0
    StatCount.update(province="Hà Nội", ward="Phường Hoàn Kiếm").execute()  # this test station has no ward set
    made = release("Hà Nội", "Phường Hoàn Kiếm", period, "bp_by_age_sex", 0.5, "lan", station_clock(), min_count=0)
    published = json.loads(made.cells)
    assert len(published) == 7 * 6 * 3 and made.stations == 1
    assert {"category": "optimal", "age_band": "40-59", "sex": "female"} in [c["cell"] for c in published]
    emergency = release("Hà Nội", "Phường Hoàn Kiếm", period, "emergency", 0.25, "lan", station_clock())
    assert emergency.scale == pytest.approx(4.0) and "each call or alert (event-level)" in emergency.method


def test_open_data_pages_and_downloads(hub_apps, hub_clock):
    _bp_counts("st-0000000000000001", hub_clock)
    made = release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", 0.5, "lan", hub_clock())
    public = hub_apps[0].test_client()
    page = public.get("/open-data").get_data(as_text=True)
    assert "Phường Hoàn Kiếm, Hà Nội" in page and "OpenDP" in page and "0.5" in page
    assert "Phân loại huyết áp / Blood-pressure category" in page
    data = public.get(f"/open-data/{made.id}.json").get_json()
    assert data["epsilon"] == 0.5 and len(data["cells"]) == 7 and data["method"] == made.method
    rows = list(csv.reader(io.StringIO(public.get(f"/open-data/{made.id}.csv").get_data(as_text=True))))
    assert rows[0][:5] == ["province", "ward", "period", "statistic", "category"] and len(rows) == 8
    assert public.get("/open-data/999.json").status_code == 404
    assert public.get("/planning").status_code == 302  # staff only

    add_staff("lan", PASSWORD, hub_clock(), role="admin")
    add_staff("vy", PASSWORD, hub_clock(), role="viewer")
    for user, expected in (("vy", 403), ("lan", 302)):
        client = hub_apps[1].test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
        dashboard = client.get("/planning")
        assert dashboard.status_code == 200 and 'id="prevalence"' in dashboard.get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', dashboard.get_data(as_text=True)).group(1)
        answer = client.post("/planning", data={"province": "Hà Nội", "ward": "Phường Hoàn Kiếm", "period": "2026-12",
                                                "statistic": "demand", "epsilon": "0.25", "csrf_token": token})
        assert answer.status_code == expected
    refused = client.post("/planning", data={"province": "Hà Nội", "ward": "Phường Hoàn Kiếm", "period": "2026-12",
                                             "statistic": "demand", "epsilon": "0.5", "csrf_token": token})
    assert refused.status_code == 400 and "budget" in refused.get_data(as_text=True)


def test_the_planning_page_shows_data_quality_per_ward(hub_apps, hub_clock):
    store_counts("st-0000000000000001", {"period": "2026-12", "province": "Hà Nội", "ward": "Phường Hoàn Kiếm",
                                         "counts": [{"statistic": "data_quality", "count": 4,
                                                     "cell": {"system": "bank_kyc", "field": "address",
                                                              "event": "mismatch"}},
                                                    {"statistic": "data_quality", "count": 1,
                                                     "cell": {"system": "bank_kyc", "field": "address",
                                                              "event": "correction"}}]}, hub_clock())
    add_staff("lan", PASSWORD, hub_clock(), role="viewer")
    client = hub_apps[0].test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    page = client.get("/planning").get_data(as_text=True)
    table = page[page.index('id="data-quality"'):]
    assert "<td>Phường Hoàn Kiếm, Hà Nội</td><td>2026-12</td><td>4</td><td>1</td><td>0</td>" in table


def test_screening_by_age_band_and_sex_adds_up_and_the_dashboard_draws_it(hub_apps, hub_clock):
    """Cells by age band and sex add up to the per-ward release; the by-age release keeps them
    apart; emergency and waiting-time releases are drawn as SVG on the dashboard."""
    counts = []
    for age, sex, high, normal in (("40-59", "male", 300, 500), ("40-59", "female", 100, 700),
                                   ("60-74", "female", 400, 200)):
        counts += [{"statistic": "bp_category", "cell": {"category": "grade_1", "age_band": age, "sex": sex},
                    "count": high},
                   {"statistic": "bp_category", "cell": {"category": "normal", "age_band": age, "sex": sex},
                    "count": normal}]
    counts += [{"statistic": "emergency", "cell": {"kind": "call", "service": "115", "outcome": "ok"}, "count": 80},
               {"statistic": "video_wait", "cell": {"band": "1-3min"}, "count": 120}]
    store_counts("st-0000000000000001", {"period": "2026-12", "province": "Hà Nội", "ward": "Phường Hoàn Kiếm",
                                         "counts": counts}, hub_clock())
    ward = ("Hà Nội", "Phường Hoàn Kiếm", "2026-12")
    whole = {c["cell"]["category"]: c["count"]
             for c in json.loads(release(*ward, "bp_category", 0.25, "lan", hub_clock()).cells)}
    assert abs(whole["grade_1"] - 800) <= 120 and abs(whole["normal"] - 1400) <= 120  # scale 8: p(>120) ≈ e^-15
    by_group = release(*ward, "bp_by_age_sex", 0.25, "lan", hub_clock(), min_count=150)
    cells = {(c["cell"]["age_band"], c["cell"]["sex"], c["cell"]["category"]): c["count"]
             for c in json.loads(by_group.cells)}
    assert abs(cells["60-74", "female", "grade_1"] - 400) <= 120 and cells["75+", "male", "grade_1"] is None
    release(*ward, "emergency", 0.25, "lan", hub_clock())
    release(*ward, "video_wait", 0.25, "lan", hub_clock())
    with pytest.raises(BudgetExhausted):
        release(*ward, "session_time", 0.25, "lan", hub_clock())
    rows = list(csv.reader(io.StringIO(hub_apps[0].test_client().get(f"/open-data/{by_group.id}.csv")
                                       .get_data(as_text=True))))
    assert rows[0][4:8] == ["category", "age_band", "sex", "count"] and len(rows) == 1 + 7 * 6 * 3

    add_staff("lan", PASSWORD, hub_clock(), role="viewer")
    client = hub_apps[1].test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    page = client.get("/planning").get_data(as_text=True)
    for chart in ('id="prevalence"', 'id="prevalence-age-sex"', 'id="emergency-chart"', 'id="video-wait-chart"'):
        assert chart in page, chart
    assert "60-74 · nữ / female" in page and "115 gọi / call" in page
    assert '<option>bp_by_age_sex</option>' in page and '<option>emergency</option>' in page


def test_every_published_statistic_has_a_name_a_fixed_cell_list_and_a_sensitivity():
    from hub.open_data import STATISTIC_NAMES, STATISTICS, cell_universe, sensitivity

    assert set(STATISTIC_NAMES) == set(STATISTICS)
    for statistic in STATISTICS:
        cells = cell_universe(statistic)
        assert cells and len({json.dumps(c, sort_keys=True) for c in cells}) == len(cells)
        assert sensitivity(statistic) == (2 if statistic.startswith(("bp", "bmi")) else 1)
