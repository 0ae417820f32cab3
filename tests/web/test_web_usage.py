"""Usage figures from audit entries, SVG charts and the usage page with its CSV."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.console import charts
from core.console.usage_stats import compute_usage, day_range, is_screening, usage_csv_rows

DAYS = ["2026-03-01", "2026-03-02"]


def entry(i, time, action, actor="citizen:1", plugin="core", outcome="ok", **details):
    return {"i": i, "time": time, "action": action, "actor": actor, "plugin": plugin, "object": None,
            "outcome": outcome, "details": details}


def test_transactions_screenings_payments_and_sessions_are_counted_per_day():
    entries = [
        entry(0, "2026-03-01T02:00:00.000Z", "login.card"),
        entry(1, "2026-03-01T02:01:00.000Z", "traffic.fine_lookup", plugin="traffic"),
        entry(2, "2026-03-01T02:02:00.000Z", "traffic.fine_lookup", plugin="traffic", outcome="refused"),
        entry(3, "2026-03-01T02:03:00.000Z", "healthcare.screening_done", plugin="healthcare"),
        entry(4, "2026-03-01T02:04:00.000Z", "payments.succeeded", method="vietqr", amount_vnd=120_000),
        entry(5, "2026-03-01T02:05:00.000Z", "session.end", seconds=300, reason="finish"),
        # 23:30 UTC on 1 March is 06:30 on 2 March in Hanoi
        entry(6, "2026-03-01T23:30:00.000Z", "login.vneid", actor="citizen:2"),
        entry(7, "2026-03-01T23:32:00.000Z", "healthcare.screening_start", actor="citizen:2", plugin="healthcare"),
        entry(8, "2026-03-01T23:33:30.000Z", "payments.succeeded", actor="citizen:2", method="card",
              amount_vnd=50_000),
    ]
    usage = compute_usage(entries, DAYS)
    assert usage.transactions_series() == {"healthcare": [1, 1], "traffic": [1, 0]}
    assert usage.screenings_series() == [1, 0]
    assert dict(usage.payments_amount) == {"vietqr": 120_000, "card": 50_000}
    # citizen 2 never pressed "finish": the session is estimated from their last entry (210 s)
    assert sorted(usage.session_seconds) == [210, 300]
    assert usage.median_session_seconds == 255


def test_entries_outside_the_days_are_ignored():
    usage = compute_usage([entry(0, "2026-02-27T02:00:00.000Z", "traffic.x", plugin="traffic")], DAYS)
    assert usage.total_transactions == 0


def test_screening_actions_are_the_finished_ones():
    assert is_screening("healthcare.screening_done") and is_screening("clinic.screening.recorded")
    assert not is_screening("healthcare.screening_start") and not is_screening("healthcare.rx_order")


def test_day_range_ends_today():
    from datetime import date

    assert day_range(date(2026, 3, 2), 3) == ["2026-02-28", "2026-03-01", "2026-03-02"]


def test_csv_rows_hold_every_metric():
    usage = compute_usage([entry(0, "2026-03-01T02:00:00.000Z", "payments.succeeded", method="card",
                                 amount_vnd=9)], DAYS)
    rows = usage_csv_rows(usage)
    assert rows[0] == ["metric", "key", "series", "value"]
    assert ["payments_amount_vnd", "card", "card", 9] in rows and ["sessions", "< 1 min", "", 0] in rows


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_axis_maximum_is_round_and_covers_the_value(value):
    top = charts.nice_ceiling(value)
    assert top >= value and top >= 1
    assert str(top).rstrip("0") in ("1", "2", "5")


def test_charts_are_accessible_svg_without_inline_style_and_escape_labels():
    svg = str(charts.stacked_bars("c1", "Giao dịch <test>", ["1/3", "2/3"], {"a&b": [1, 2], "c": [0, 3]}))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title id=\"c1-t\">Giao dịch &lt;test&gt;</title>" in svg
    assert "style=" not in svg and "<script" not in svg and "a&amp;b" in svg
    assert svg.count("<rect x=") == 1 + 3  # background + three non-empty segments
    empty = str(charts.bars("c2", "Nothing", ["x"], [0], empty_text="Không có dữ liệu"))
    assert "Không có dữ liệu" in empty


def test_compact_axis_labels():
    assert [charts.compact_number(v) for v in (0, 950, 2500, 60_000_000)] == ["0", "950", "2.5k", "60M"]


def test_usage_page_and_csv_from_the_live_audit_log(web_station, login_staff, login_citizen, csrf_token,
                                                    station_clock):
    citizen = web_station.test_client()
    login_citizen(citizen)
    with web_station.app_context(), web_station.test_request_context():
        from core.audit.log import transaction

        with transaction():
            web_station.extensions["station"].audit.record("login.card", actor="citizen:1")
    station_clock.advance(42)
    citizen.post("/logout", data={"csrf_token": csrf_token(citizen)})
    manager = web_station.test_client()
    login_staff(manager)
    page = manager.get("/console/usage/?days=7").get_data(as_text=True)
    assert page.count('role="img"') == 4 and 'aria-current="page">7 ngày qua' in page
    rows = list(csv.reader(io.StringIO(manager.get("/console/usage/usage.csv?days=7").get_data(as_text=True))))
    assert rows[0] == ["metric", "key", "series", "value"]
    sessions = {r[1]: int(r[3]) for r in rows if r[0] == "sessions"}
    assert sum(sessions.values()) >= 1 and sessions["< 1 min"] >= 1
    assert re.search(r"<svg[^>]+id=\"chart-transactions\"", page)
