"""Counts for planners: blood-pressure and BMI categories of the screenings done in a period.

Only counts leave this module. Each citizen counts once per statistic in the period (their
latest finished screening), so one person changes one cell by one — the bound the fleet
hub's differential privacy relies on.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .models import Screening
from .screening import with_bmi
from .vitals import assess_blood_pressure, assess_bmi


def planning_counts(period_start: float, period_end: float) -> list[dict[str, Any]]:
    """``[{"statistic", "cell", "count"}]`` for ``bp_category`` and ``bmi_category``."""
    latest: dict[int, Screening] = {}
    rows = (Screening.select().where(Screening.state == "done", Screening.taken_at >= period_start,
                                     Screening.taken_at < period_end).order_by(Screening.taken_at))
    for screening in rows:
        latest[screening.citizen_id] = screening  # ordered by time: the last one wins
    counts: Counter[tuple[str, str]] = Counter()
    for screening in latest.values():
        values = with_bmi((screening.vitals or {}).get("values") or {})
        if "systolic" in values and "diastolic" in values:
            counts["bp_category", assess_blood_pressure(values["systolic"], values["diastolic"]).category] += 1
        if "bmi" in values:
            counts["bmi_category", assess_bmi(values["bmi"]).category] += 1
    return [{"statistic": statistic, "cell": {"category": category}, "count": count}
            for (statistic, category), count in sorted(counts.items())]
