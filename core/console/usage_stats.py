"""Usage figures derived from audit entries (pure: entry dicts in, counts out).

The audit log is the one record every plugin already writes, so usage works for any
plugin without it doing anything more:

* a *transaction* is an entry of a plugin (``plugin`` is not ``core``) with outcome ``ok``;
* a *screening* is an ``ok`` entry whose action contains ``screening`` and ends in ``done``,
  ``complete``, ``completed`` or ``recorded`` (e.g. ``healthcare.screening_done``);
* a *payment* is a ``payments.succeeded`` entry; its ``details.method`` and ``amount_vnd``
  are summed by method;
* a *session* starts at ``login.card`` / ``login.vneid`` and ends at ``session.end`` (whose
  ``details.seconds`` is its length); a session that ended on the server without that entry
  (idle timeout, power cut) is estimated from the citizen's last entry.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LOGIN_ACTIONS = frozenset({"login.card", "login.vneid"})
SCREENING_ENDINGS = ("done", "complete", "completed", "recorded")
SESSION_BUCKETS = ((60, "< 1 min"), (120, "1–2 min"), (300, "2–5 min"), (600, "5–10 min"),
                   (1200, "10–20 min"), (None, "> 20 min"))


@dataclass
class Usage:
    """Counts over a range of days (``days`` are ISO dates in the site's time zone)."""

    days: list[str]
    transactions: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(Counter))  # plugin → day → n
    screenings: Counter = field(default_factory=Counter)  # day → n
    payments_count: Counter = field(default_factory=Counter)  # method → n
    payments_amount: Counter = field(default_factory=Counter)  # method → VND
    session_seconds: list[int] = field(default_factory=list)

    def transactions_series(self) -> dict[str, list[int]]:
        """Plugin → count per day, in day order (plugins sorted by id)."""
        return {plugin: [by_day.get(day, 0) for day in self.days]
                for plugin, by_day in sorted(self.transactions.items())}

    def screenings_series(self) -> list[int]:
        return [self.screenings.get(day, 0) for day in self.days]

    def session_histogram(self) -> list[tuple[str, int]]:
        """(bucket label, number of sessions) for :data:`SESSION_BUCKETS`."""
        counts = Counter()
        for seconds in self.session_seconds:
            for limit, label in SESSION_BUCKETS:
                if limit is None or seconds < limit:
                    counts[label] += 1
                    break
        return [(label, counts.get(label, 0)) for _, label in SESSION_BUCKETS]

    @property
    def total_transactions(self) -> int:
        return sum(sum(c.values()) for c in self.transactions.values())

    @property
    def median_session_seconds(self) -> int | None:
        ordered = sorted(self.session_seconds)
        if not ordered:
            return None
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) // 2


def day_range(last_day: date, count: int) -> list[str]:
    """``count`` ISO dates ending with ``last_day``."""
    return [(last_day - timedelta(days=count - 1 - i)).isoformat() for i in range(count)]


def entry_time(entry: dict[str, Any]) -> datetime:
    """The entry's time (UTC, from its ``…Z`` ISO string)."""
    return datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00")).astimezone(UTC)


def is_screening(action: str) -> bool:
    """Whether ``action`` records a finished screening (see the module doc)."""
    return "screening" in action and action.rstrip("_.").endswith(SCREENING_ENDINGS)


def compute_usage(entries: Iterable[dict[str, Any]], days: list[str], timezone: str = "Asia/Ho_Chi_Minh") -> Usage:
    """Usage over ``days`` from audit entries in log order (others outside the days are ignored)."""
    zone = ZoneInfo(timezone)
    wanted = set(days)
    usage = Usage(days=days)
    open_sessions: dict[str, tuple[datetime, datetime]] = {}  # actor → (start, last seen)

    def close_estimated(actor: str) -> None:
        start, last = open_sessions.pop(actor)
        usage.session_seconds.append(max(0, int((last - start).total_seconds())))

    for entry in entries:
        when = entry_time(entry)
        day = when.astimezone(zone).date().isoformat()
        if day not in wanted:
            continue
        action, actor, outcome = str(entry.get("action", "")), str(entry.get("actor", "")), entry.get("outcome")
        details = entry.get("details") or {}
        if outcome == "ok" and entry.get("plugin") not in (None, "core"):
            usage.transactions[entry["plugin"]][day] += 1
        if outcome == "ok" and is_screening(action):
            usage.screenings[day] += 1
        if action == "payments.succeeded" and outcome == "ok":
            method = str(details.get("method") or "unknown")
            usage.payments_count[method] += 1
            usage.payments_amount[method] += int(details.get("amount_vnd") or 0)
        if action in LOGIN_ACTIONS and outcome == "ok":
            if actor in open_sessions:
                close_estimated(actor)
            open_sessions[actor] = (when, when)
        elif action == "session.end":
            started = open_sessions.pop(actor, None)
            seconds = details.get("seconds")
            if isinstance(seconds, int):
                usage.session_seconds.append(seconds)
            elif started is not None:
                usage.session_seconds.append(max(0, int((when - started[0]).total_seconds())))
        elif actor in open_sessions:
            open_sessions[actor] = (open_sessions[actor][0], when)
    for actor in list(open_sessions):
        close_estimated(actor)
    return usage


def usage_csv_rows(usage: Usage) -> list[list[str | int]]:
    """The usage as CSV rows: ``metric, day_or_key, plugin_or_method, value``."""
    rows: list[list[str | int]] = [["metric", "key", "series", "value"]]
    for plugin, counts in usage.transactions_series().items():
        rows += [["transactions", day, plugin, n] for day, n in zip(usage.days, counts, strict=True)]
    rows += [["screenings", day, "", n] for day, n in zip(usage.days, usage.screenings_series(), strict=True)]
    for method in sorted(usage.payments_count):
        rows.append(["payments_count", method, method, usage.payments_count[method]])
        rows.append(["payments_amount_vnd", method, method, usage.payments_amount[method]])
    rows += [["sessions", label, "", n] for label, n in usage.session_histogram()]
    return rows
