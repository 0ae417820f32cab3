"""Console: usage charts (server-rendered SVG) and CSV export, derived from the audit log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request

from core import formatting
from core.audit.store import AuditEntry, AuditHead
from core.console import charts
from core.console.usage_stats import Usage, compute_usage, day_range, entry_time, usage_csv_rows
from core.i18n import _, current_language
from core.permissions import requires
from core.station import current_station
from core.tiles import localized

usage_pages = Blueprint("usage", __name__, url_prefix="/usage")

RANGES = (7, 30, 90)
BATCH = 1000


def _leaf(index: int) -> dict[str, Any]:
    return json.loads(AuditEntry.get_by_id(index).leaf)


def first_index_at_or_after(moment: datetime, size: int) -> int:
    """Binary search over the log (entries are in time order): O(log n) single-row reads."""
    low, high = 0, size
    while low < high:
        middle = (low + high) // 2
        if entry_time(_leaf(middle)) < moment:
            low = middle + 1
        else:
            high = middle
    return low


def entries_from(start: int, size: int) -> Iterator[dict[str, Any]]:
    """Entries ``start``…``size-1`` in log order, read in batches."""
    for lower in range(start, size, BATCH):
        rows = (AuditEntry.select(AuditEntry.leaf).where((AuditEntry.idx >= lower) & (AuditEntry.idx < lower + BATCH))
                .order_by(AuditEntry.idx).tuples())
        for (leaf,) in rows:
            yield json.loads(leaf)


def usage_for(days_back: int) -> Usage:
    """Usage of the last ``days_back`` days (today included, in the site's time zone)."""
    station = current_station()
    zone = ZoneInfo(station.config.site.get("timezone") or "Asia/Ho_Chi_Minh")
    today = datetime.fromtimestamp(station.clock(), zone).date()
    days = day_range(today, days_back)
    first_moment = datetime.combine(today - timedelta(days=days_back - 1), datetime.min.time(), zone).astimezone(UTC)
    head = AuditHead.get_or_none(AuditHead.id == 1)
    size = head.size if head else 0
    start = first_index_at_or_after(first_moment, size)
    return compute_usage(entries_from(start, size), days, str(zone))


def _range() -> int:
    chosen = request.args.get("days", type=int)
    return chosen if chosen in RANGES else 30


def _plugin_names(lang: str) -> dict[str, str]:
    records = current_station().plugins.records
    return {pid: localized(r.manifest.name, lang) if r.manifest else pid for pid, r in records.items()}


def _short_day(iso: str, lang: str) -> str:
    day = datetime.fromisoformat(iso)
    return f"{day.day}/{day.month}" if lang == "vi" else day.strftime("%d %b").lstrip("0")


@usage_pages.route("/")
@requires("console.usage.view")
def index() -> str:
    """Transactions per plugin per day, screenings, payments by method, session lengths."""
    lang = current_language()
    days_back = _range()
    usage = usage_for(days_back)
    names = _plugin_names(lang)
    labels = [_short_day(d, lang) for d in usage.days]
    series = {names.get(p, p): counts for p, counts in usage.transactions_series().items()}
    colors = {name: charts.color_for(i) for i, name in enumerate(series)}
    no_data = _("No data in this period")
    fmt = lambda value: formatting.format_number(value, lang)  # noqa: E731
    methods = sorted(usage.payments_count)
    histogram = usage.session_histogram()
    figures = {
        "transactions": charts.stacked_bars("chart-transactions", _("Transactions per service per day"), labels,
                                            series, colors, empty_text=no_data),
        "screenings": charts.bars("chart-screenings", _("Health screenings per day"), labels,
                                  usage.screenings_series(), color=charts.PALETTE[2], fmt=fmt, empty_text=no_data),
        "payments": charts.bars("chart-payments", _("Payments by method (amount, ₫)"), methods,
                                [usage.payments_amount[m] for m in methods], color=charts.PALETTE[5],
                                fmt=fmt, empty_text=no_data),
        "sessions": charts.bars("chart-sessions", _("Session lengths"), [label for label, _n in histogram],
                                [n for _label, n in histogram], color=charts.PALETTE[4], fmt=fmt, empty_text=no_data),
    }
    return render_template("console/usage.html", usage=usage, figures=figures, colors=colors, days_back=days_back,
                           ranges=RANGES, methods=methods, page="usage")


@usage_pages.route("/usage.csv")
@requires("console.usage.view")
def export_csv() -> Response:
    """The same figures as CSV (UTF-8, one row per metric and key)."""
    days_back = _range()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(usage_csv_rows(usage_for(days_back)))
    site = current_station().config.site_id
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="usage-{site}-{days_back}d.csv"'})
