"""Counts for planners, per calendar month, sent to the fleet hub: never a row about a person.

Two kinds of count: service demand (transactions by weekday, hour and service, from the audit
log) and whatever the plugins count through the ``planning_counts`` hook (healthcare:
blood-pressure and BMI categories, each citizen once a month). The hub publishes them only
with differential privacy (``hub/open_data.py``, docs/open-data.md).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.audit.store import AuditHead
from core.console.usage import entries_from, first_index_at_or_after
from core.console.usage_stats import entry_time

_NAME = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_CELLS = 2000


def month_bounds(period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of month ``YYYY-MM`` and of the next month, in ``zone``."""
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def demand_counts(start: datetime, end: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Successful plugin transactions by weekday (0 = Monday), hour and plugin, in ``zone``."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    size = head.size if head else 0
    counts: Counter[tuple[int, int, str]] = Counter()
    for entry in entries_from(first_index_at_or_after(start, size), size):
        when = entry_time(entry)
        if when >= end:
            break
        if entry.get("outcome") == "ok" and entry.get("plugin") not in (None, "core"):
            local = when.astimezone(zone)
            counts[local.weekday(), local.hour, str(entry["plugin"])] += 1
    return [{"statistic": "demand", "cell": {"weekday": str(day), "hour": str(hour), "service": plugin},
             "count": count} for (day, hour, plugin), count in sorted(counts.items())]


def plugin_counts(station: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """What the plugins count (``planning_counts``), checked to be counts and nothing else."""
    found = []
    for record, rows in station.plugins.call_each("planning_counts", period_start=start.timestamp(),
                                                  period_end=end.timestamp()):
        for row in rows if isinstance(rows, list) else []:
            cell = row.get("cell") if isinstance(row, dict) else None
            if (isinstance(row, dict) and isinstance(row.get("statistic"), str) and _NAME.match(row["statistic"])
                    and row["statistic"] not in ("demand", "data_quality") and isinstance(cell, dict) and len(cell) <= 4
                    and all(_NAME.match(str(k)) and isinstance(v, str) and len(v) <= 40 for k, v in cell.items())
                    and isinstance(row.get("count"), int) and not isinstance(row["count"], bool)
                    and row["count"] >= 0):
                found.append({"statistic": row["statistic"], "cell": dict(cell), "count": row["count"],
                              "plugin": record.id})
    return found


def collect_stats(station: Any, period: str) -> dict[str, Any]:
    """The month's counts for the hub, with the station's ward and province."""
    zone = ZoneInfo(station.config.site.get("timezone") or "Asia/Ho_Chi_Minh")
    start, end = month_bounds(period, zone)
    from core.records.service import quality_counts

    counts = (demand_counts(start, end, zone) + plugin_counts(station, start, end)
              + quality_counts(start.timestamp(), end.timestamp()))[:MAX_CELLS]
    site = station.config.site
    return {"period": period, "province": site.get("province") or "", "ward": site.get("ward") or "",
            "counts": counts}


def periods_to_send(now: float, zone: ZoneInfo) -> list[str]:
    """This month and the last (the last one's counts may still grow in its final hours)."""
    today = datetime.fromtimestamp(now, zone)
    previous = (today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    return [f"{previous[0]:04d}-{previous[1]:02d}", f"{today.year:04d}-{today.month:02d}"]
