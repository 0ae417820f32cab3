"""Counts for planners: blood-pressure and BMI categories of the screenings done in a period,
by age band and sex, and how long citizens waited for the doctor in video consultations.

Only counts leave this module. Each citizen counts once per statistic in the period (their
latest finished screening), so one person changes one cell by one — the bound the fleet
hub's differential privacy relies on. The age band and sex are taken from the verified
identity when the screening finishes and kept inside its encrypted ``vitals`` (``group``);
a screening without them counts as ``unknown``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from .models import Screening, VideoCall
from .screening import with_bmi
from .vitals import assess_blood_pressure, assess_bmi

AGE_BANDS = ((18, "0-17"), (40, "18-39"), (60, "40-59"), (75, "60-74"), (None, "75+"))
#: video consultation: seconds from the call to the doctor answering (upper bounds)
WAIT_BANDS = ((60, "0-1min"), (180, "1-3min"), (600, "3-10min"), (None, "10min+"))


def _band(value: float, bands: tuple[tuple[int | None, str], ...]) -> str:
    return next(name for limit, name in bands if limit is None or value < limit)


def planning_group(identity: Any, at: float) -> dict[str, str]:
    """The age band (at ``at``) and sex of a verified identity — all a screening keeps for planners."""
    group = {"age_band": "unknown", "sex": "unknown"}
    if identity is None:
        return group
    try:
        born = date.fromisoformat(str(identity.date_of_birth))
        today = datetime.fromtimestamp(at, UTC).date()
        group["age_band"] = _band(today.year - born.year - ((today.month, today.day) < (born.month, born.day)),
                                  AGE_BANDS)
    except (TypeError, ValueError):
        pass
    if identity.sex in ("male", "female"):
        group["sex"] = identity.sex
    return group


def planning_counts(period_start: float, period_end: float) -> list[dict[str, Any]]:
    """``[{"statistic", "cell", "count"}]`` for ``bp_category`` and ``bmi_category`` (cells:
    category, age band, sex) and ``video_wait`` (cell: waiting band)."""
    latest: dict[int, Screening] = {}
    rows = (Screening.select().where(Screening.state == "done", Screening.taken_at >= period_start,
                                     Screening.taken_at < period_end).order_by(Screening.taken_at))
    for screening in rows:
        latest[screening.citizen_id] = screening  # ordered by time: the last one wins
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for screening in latest.values():
        vitals = screening.vitals or {}
        values = with_bmi(vitals.get("values") or {})
        group = vitals.get("group") or {}
        age, sex = str(group.get("age_band") or "unknown"), str(group.get("sex") or "unknown")
        if "systolic" in values and "diastolic" in values:
            counts["bp_category", assess_blood_pressure(values["systolic"], values["diastolic"]).category,
                   age, sex] += 1
        if "bmi" in values:
            counts["bmi_category", assess_bmi(values["bmi"]).category, age, sex] += 1
    waits: Counter[str] = Counter(
        _band(call.answered_at - call.created_at, WAIT_BANDS)
        for call in VideoCall.select().where(VideoCall.answered_at.is_null(False),
                                             VideoCall.created_at >= period_start, VideoCall.created_at < period_end))
    return ([{"statistic": statistic, "cell": {"category": category, "age_band": age, "sex": sex}, "count": count}
             for (statistic, category, age, sex), count in sorted(counts.items())]
            + [{"statistic": "video_wait", "cell": {"band": band}, "count": count}
               for band, count in sorted(waits.items())])
