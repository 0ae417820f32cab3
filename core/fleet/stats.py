"""Counts for planners, per calendar month, sent to the fleet hub: never a row about a person.

From the audit log: service demand (transactions by weekday, hour and service), emergency
calls and alerts (113/114/115 through the intercom, and the ward police alerts raised, by
outcome) and processing times (citizen sessions by length band). From the plugins, through
the ``planning_counts`` hook: healthcare's blood-pressure and BMI categories by age band and
sex (each citizen once a month) and video-consultation waiting times. Every cell is a count;
the station's ward and province go once per message. The hub publishes them only with
differential privacy (``hub/open_data.py``, docs/open-data.md).
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
EMERGENCY_ACTIONS = {"security.emergency_call": "call", "security.emergency_alert": "alert"}
EMERGENCY_SERVICES = ("113", "114", "115")
#: processing time: how long a citizen's session at the kiosk lasted (upper bound in seconds)
SESSION_BANDS = ((120, "0-2min"), (300, "2-5min"), (600, "5-10min"), (1200, "10-20min"), (None, "20min+"))


def session_band(seconds: int) -> str:
    """The published band of a session of ``seconds``."""
    return next(name for limit, name in SESSION_BANDS if limit is None or seconds < limit)


def month_bounds(period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of month ``YYYY-MM`` and of the next month, in ``zone``."""
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def demand_counts(start: datetime, end: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """From the audit log: successful plugin transactions by weekday (0 = Monday), hour and
    plugin, in ``zone``; emergency calls and alerts by service and outcome; sessions by length."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    size = head.size if head else 0
    counts: Counter[tuple[int, int, str]] = Counter()
    emergencies: Counter[tuple[str, str, str]] = Counter()
    sessions: Counter[str] = Counter()
    for entry in entries_from(first_index_at_or_after(start, size), size):
        when = entry_time(entry)
        if when >= end:
            break
        action, details = entry.get("action"), entry.get("details") or {}
        if entry.get("outcome") == "ok" and entry.get("plugin") not in (None, "core"):
            local = when.astimezone(zone)
            counts[local.weekday(), local.hour, str(entry["plugin"])] += 1
        if action in EMERGENCY_ACTIONS and details.get("service") in EMERGENCY_SERVICES:
            outcome = "ok" if entry.get("outcome") == "ok" else "failed"
            emergencies[EMERGENCY_ACTIONS[str(action)], str(details["service"]), outcome] += 1
        elif action == "session.end" and isinstance(details.get("seconds"), int) and details["seconds"] >= 0:
            sessions[session_band(details["seconds"])] += 1
    return ([{"statistic": "demand", "cell": {"weekday": str(day), "hour": str(hour), "service": plugin},
              "count": count} for (day, hour, plugin), count in sorted(counts.items())]
            + [{"statistic": "emergency", "cell": {"kind": kind, "service": service, "outcome": outcome},
                "count": count} for (kind, service, outcome), count in sorted(emergencies.items())]
            + [{"statistic": "session_time", "cell": {"band": band}, "count": count}
               for band, count in sorted(sessions.items())])


def plugin_counts(station: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """What the plugins count (``planning_counts``), checked to be counts and nothing else."""
    found = []
    for record, rows in station.plugins.call_each("planning_counts", period_start=start.timestamp(),
                                                  period_end=end.timestamp()):
        for row in rows if isinstance(rows, list) else []:
            cell = row.get("cell") if isinstance(row, dict) else None
            if (isinstance(row, dict) and isinstance(row.get("statistic"), str) and _NAME.match(row["statistic"])
                    and row["statistic"] not in ("demand", "data_quality", "emergency", "session_time") and isinstance(cell, dict) and len(cell) <= 4
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
