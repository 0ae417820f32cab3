"""Paginated lists and abuse limits: one way for every plugin page that lists or creates records.

    from sdk.lists import paginate, limit_rate

    page = paginate(Report.select().where(...).order_by(Report.created_at.desc()))
    return render_template("my/list.html", page=page)     # {{ ui.pager(page) }} in the template

    limit_rate("report", per_citizen=(10, 3600), per_station=(300, 3600))  # before creating a record

``paginate`` reads ``?page=`` (a bad or too large number shows the last page, never an error)
and runs one ``COUNT`` and one ``LIMIT/OFFSET`` query. ``limit_rate`` counts the calls of
the current plugin's ``action`` in a sliding window on the station clock, per citizen (the
logged-in citizen; anonymous actions count per station only) and per station, and raises
:class:`RateLimited` (HTTP 429, message in the citizen's language) when a limit is reached.
The counters live in memory (a station is one process; a restart forgets them — no database
write per action for a limit).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from flask import current_app

from core.errors import UserInputError
from core.i18n import pick
from core.lists import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page, paginate  # noqa: F401 — the first two stay importable (sdk 1.2)

__all__ = ["Page", "RateLimited", "limit_rate", "paginate"]


class RateLimited(UserInputError):
    """Too many records of one kind in a short time; the message says when to try again."""

    http_status = 429
    code = "rate_limited"


class _Windows:
    def __init__(self) -> None:
        self.hits: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def check_and_count(self, keys: list[tuple[tuple[str, ...], int, float]], now: float) -> float | None:
        """Count one hit under every key, or none when a limit is reached; seconds to wait then."""
        with self.lock:
            for key, limit, window in keys:
                hits = self.hits[key]
                while hits and hits[0] <= now - window:
                    hits.popleft()
                if len(hits) >= limit:
                    return hits[0] + window - now
            for key, _, _ in keys:
                self.hits[key].append(now)
        return None


def _windows() -> _Windows:
    return current_app.extensions.setdefault("station_rate_limits", _Windows())


def _configured(name: str, per_citizen: tuple[int, float] | None,
                per_station: tuple[int, float] | None) -> tuple[tuple[int, float] | None, tuple[int, float] | None]:
    """The plugin's defaults, replaced by the site's ``[limits."plugin.action"]`` when it sets them."""
    from core.station import current_station

    try:
        site = current_station().config.limits.get(name) or {}
    except (RuntimeError, KeyError, AttributeError):  # no station (a plugin's unit test): the defaults
        return per_citizen, per_station

    def pick_limit(key: str, default: tuple[int, float] | None) -> tuple[int, float] | None:
        if key not in site:
            return default
        count, seconds = site[key]
        return None if count == 0 or seconds == 0 else (int(count), float(seconds))

    return pick_limit("per_citizen", per_citizen), pick_limit("per_station", per_station)


def limit_rate(action: str, per_citizen: tuple[int, float] | None = (10, 3600.0),
               per_station: tuple[int, float] | None = (300, 3600.0)) -> None:
    """Count one ``action`` of the current plugin; raise :class:`RateLimited` past a limit.

    ``per_citizen`` / ``per_station`` are ``(how many, in how many seconds)``; ``None`` for no limit.
    They are the plugin's defaults: the site's ``station.toml`` may replace either under
    ``[limits."<plugin id>.<action>"]`` (``per_citizen = [10, 3600]``; a count of 0 lifts it).
    """
    from sdk.accessors import current_citizen, current_plugin_id, now

    plugin = current_plugin_id() or "core"
    per_citizen, per_station = _configured(f"{plugin}.{action}", per_citizen, per_station)
    keys: list[tuple[tuple[str, ...], int, float]] = []
    citizen = current_citizen()
    if per_citizen is not None and citizen is not None:
        keys.append(((plugin, action, f"citizen:{citizen.id}"), per_citizen[0], float(per_citizen[1])))
    if per_station is not None:
        keys.append(((plugin, action, "station"), per_station[0], float(per_station[1])))
    wait = _windows().check_and_count(keys, now())
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise RateLimited(pick(f"Đã đạt giới hạn số lần gửi trong thời gian ngắn. Vui lòng thử lại sau khoảng "
                               f"{minutes} phút, hoặc gặp cán bộ tại trạm.",
                               f"The limit of submissions in a short time has been reached. Please try again in "
                               f"about {minutes} minute(s), or ask the staff at the station."))
