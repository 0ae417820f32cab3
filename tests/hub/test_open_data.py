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
    """What the hub receives from a station with screenings and transactions: counts only."""
    from plugins.healthcare.models import Screening

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
            for systolic in (150, 118):  # two screenings each: only the latest counts
                Screening.create(citizen_id=citizen, taken_at=station_clock(), state="done",
                                 vitals={"values": {"systolic": systolic, "diastolic": 75, "weight": 60.0,
                                                    "height": 165.0}, "devices": {}, "steps": {}})
                station_clock.advance(60)
        period = __import__("datetime").datetime.fromtimestamp(station_clock()).strftime("%Y-%m")
        body = collect_stats(station, period)
        client.enqueue_stats_if_due()
        client.flush()
    bp = {c["cell"]["category"]: c["count"] for c in body["counts"] if c["statistic"] == "bp_category"}
    assert bp == {"optimal": 5}  # 118/75, each citizen once: their latest screening (not 150/75)
    assert {c["cell"]["category"]: c["count"] for c in body["counts"] if c["statistic"] == "bmi_category"} == \
        {"normal": 5}
    messages = [m for chunk in captured if chunk.startswith(b"{") for m in json.loads(chunk).get("messages", [])]
    stats = [m for m in messages if m["kind"] == "stats"]
    assert stats and all(set(m["body"]) == {"period", "province", "ward", "counts"} for m in stats)
    for message in stats:
        for count in message["body"]["counts"]:
            assert set(count) <= {"statistic", "cell", "count", "plugin"} and isinstance(count["count"], int)
    sent = json.dumps(stats, ensure_ascii=False)
    assert "citizen" not in sent and "systolic" not in sent and "weight" not in sent and "0000000001" not in sent
    assert StatCount.select().where(StatCount.statistic == "bp_category").count() >= 1
    with app.app_context():
        assert HubOutbox.select().where(HubOutbox.kind == "stats", HubOutbox.sent_at.is_null()).count() == 0


def test_open_data_pages_and_downloads(hub_apps, hub_clock):
    _bp_counts("st-0000000000000001", hub_clock)
    made = release("Hà Nội", "Phường Hoàn Kiếm", "2026-12", "bp_category", 0.5, "lan", hub_clock())
    public = hub_apps[0].test_client()
    page = public.get("/open-data").get_data(as_text=True)
    assert "Phường Hoàn Kiếm, Hà Nội" in page and "OpenDP" in page and "0.5" in page
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
