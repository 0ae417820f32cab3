"""Planning statistics published with differential privacy (OpenDP), and the ε budget.

Stations send monthly counts only (``core/fleet/stats.py``). A release adds up one statistic
over the stations of one ward for one month and publishes every cell of the statistic's
fixed cell list (so which cells appear never depends on the data) with noise from OpenDP's
discrete Laplace mechanism (``make_laplace`` on integers), scale = sensitivity / ε. Cells
whose noisy count is below the minimum are suppressed. Each release spends its ε from the
ward's budget for that month; a release past the budget is refused. The budget row is
locked while it is checked and spent, so two hub processes cannot overspend it together.

Sensitivity: a person's latest screening counts once a month at a station; a person may be
screened at up to ``MAX_STATIONS_PER_PERSON`` stations of a ward in a month, so one person
changes the ward's histogram by at most that much (person-level guarantee). Demand,
emergency calls and alerts, session lengths and video waiting times count events, so their
guarantee is per event (event-level) — stated on every such release.

A published statistic may add up a finer one: ``bp_by_age_sex`` keeps the stations'
``bp_category`` cells apart by age band and sex, ``bp_category`` adds them over both; each
stored cell is reduced to the release's cell fields (:func:`project`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from core.errors import NotFoundError, UserInputError
from hub.db import PrivacyBudget, Release, StatCount, hub_database
from hub.events import record_event

DEFAULT_EPSILON_PER_MONTH = 1.0
DEFAULT_MIN_COUNT = 10
MAX_STATIONS_PER_PERSON = 2
BP_CATEGORIES = ("low", "optimal", "normal", "high_normal", "grade_1", "grade_2", "grade_3")
HIGH_BP = ("grade_1", "grade_2", "grade_3")
BMI_CATEGORIES = ("underweight", "normal", "overweight", "obese_1", "obese_2")
AGE_BANDS = ("0-17", "18-39", "40-59", "60-74", "75+", "unknown")
SEXES = ("male", "female", "unknown")
EMERGENCY_CELLS = [{"kind": k, "service": s, "outcome": o}
                   for k in ("call", "alert") for s in ("113", "114", "115") for o in ("ok", "failed")]
SESSION_BANDS = ("0-2min", "2-5min", "5-10min", "10-20min", "20min+")
WAIT_BANDS = ("0-1min", "1-3min", "3-10min", "10min+")


def _by_age_sex(categories: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"category": c, "age_band": a, "sex": s} for c in categories for a in AGE_BANDS for s in SEXES]


#: published statistic → (the stations' statistic it adds up, its fixed cell list, unit of protection)
STATISTICS: dict[str, tuple[str, list[dict[str, str]], str]] = {
    "bp_category": ("bp_category", [{"category": c} for c in BP_CATEGORIES], "person"),
    "bp_by_age_sex": ("bp_category", _by_age_sex(BP_CATEGORIES), "person"),
    "bmi_category": ("bmi_category", [{"category": c} for c in BMI_CATEGORIES], "person"),
    "bmi_by_age_sex": ("bmi_category", _by_age_sex(BMI_CATEGORIES), "person"),
    "demand": ("demand", [{"weekday": str(d), "hour": str(h)} for d in range(7) for h in range(24)], "transaction"),
    "emergency": ("emergency", EMERGENCY_CELLS, "call or alert"),
    "session_time": ("session_time", [{"band": b} for b in SESSION_BANDS], "session"),
    "video_wait": ("video_wait", [{"band": b} for b in WAIT_BANDS], "video consultation"),
}


#: what each published statistic is, for people reading the open-data page
STATISTIC_NAMES = {
    "bp_category": "Phân loại huyết áp / Blood-pressure category",
    "bp_by_age_sex": "Phân loại huyết áp theo nhóm tuổi và giới / Blood-pressure category by age band and sex",
    "bmi_category": "Phân loại BMI / BMI category",
    "bmi_by_age_sex": "Phân loại BMI theo nhóm tuổi và giới / BMI category by age band and sex",
    "demand": "Lượt sử dụng dịch vụ theo thứ và giờ / Service demand by weekday and hour",
    "emergency": "Cuộc gọi và báo động khẩn cấp 113·114·115 / Emergency calls and alerts",
    "session_time": "Thời gian một lượt phục vụ / Processing time per session",
    "video_wait": "Thời gian chờ bác sĩ (tư vấn video) / Waiting time for the doctor (video)",
}


def cell_universe(statistic: str) -> list[dict[str, str]]:
    """Every cell a release of ``statistic`` publishes (fixed in advance, data-independent)."""
    if statistic not in STATISTICS:
        raise UserInputError(f"no published cell list for statistic {statistic!r} "
                             f"(known: {', '.join(STATISTICS)})")
    return STATISTICS[statistic][1]


def source_statistic(statistic: str) -> str:
    """The stations' statistic a published one adds up (``bp_by_age_sex`` ← ``bp_category``)."""
    cell_universe(statistic)
    return STATISTICS[statistic][0]


def sensitivity(statistic: str) -> int:
    """How much one person (event-level statistics: one event) can change the released histogram (L1)."""
    return MAX_STATIONS_PER_PERSON if STATISTICS[statistic][2] == "person" else 1


def project(cell: dict[str, Any], names: list[str]) -> str | None:
    """The stored cell reduced to a published cell's fields (its key), or None when it lacks one
    (e.g. a count from a station that sent no age band, for a by-age release)."""
    if any(name not in cell for name in names):
        return None
    return json.dumps({name: str(cell[name]) for name in names}, sort_keys=True, ensure_ascii=False)


def store_counts(station_id: str, body: dict[str, Any], created: float) -> None:
    """Replace the station's counts for the month with these (an older message changes nothing)."""
    period, counts = body.get("period"), body.get("counts")
    if not isinstance(period, str) or len(period) != 7 or period[4] != "-" or not isinstance(counts, list):
        raise UserInputError("stats: a 'period' YYYY-MM and a list of 'counts'")
    rows = []
    for item in counts[:5000]:
        if not (isinstance(item, dict) and isinstance(item.get("statistic"), str) and isinstance(item.get("cell"), dict)
                and isinstance(item.get("count"), int) and item["count"] >= 0):
            raise UserInputError("stats: each count has 'statistic', 'cell' and a whole 'count'")
        cell = item["cell"]
        if item["statistic"] == "demand":  # the published demand cell: weekday × hour, all services
            cell = {"weekday": str(cell.get("weekday")), "hour": str(cell.get("hour"))}
        rows.append((item["statistic"][:40], json.dumps(cell, sort_keys=True, ensure_ascii=False)[:300],
                     item["count"]))
    merged: dict[tuple[str, str], int] = {}
    for statistic, cell, count in rows:
        merged[statistic, cell] = merged.get((statistic, cell), 0) + count
    with hub_database.atomic():
        newer = StatCount.select().where(StatCount.station_id == station_id, StatCount.period == period,
                                         StatCount.received > created).exists()
        if newer:
            return
        StatCount.delete().where(StatCount.station_id == station_id, StatCount.period == period).execute()
        province, ward = str(body.get("province") or "")[:100], str(body.get("ward") or "")[:100]
        for (statistic, cell), count in merged.items():
            StatCount.create(station_id=station_id, period=period, statistic=statistic, cell=cell, count=count,
                             province=province, ward=ward, received=created)


def budget(province: str, ward: str, period: str, total: float = DEFAULT_EPSILON_PER_MONTH) -> PrivacyBudget:
    """The ward's budget row for the month (created with ``total`` on first use)."""
    PrivacyBudget.insert(province=province, ward=ward, period=period, epsilon_total=total,
                         epsilon_spent=0.0).on_conflict_ignore().execute()
    return PrivacyBudget.get(PrivacyBudget.province == province, PrivacyBudget.ward == ward,
                             PrivacyBudget.period == period)


def noisy(values: list[int], scale: float) -> list[int]:
    """``values`` with OpenDP discrete Laplace noise of ``scale`` added to each."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    mechanism = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)
    return list(mechanism(values))


def release(province: str, ward: str, period: str, statistic: str, epsilon: float, actor: str, now: float,
            min_count: int = DEFAULT_MIN_COUNT, epsilon_per_month: float = DEFAULT_EPSILON_PER_MONTH) -> Release:
    """Publish one statistic for a ward and month, spending ``epsilon`` of its budget."""
    universe = cell_universe(statistic)
    if not (isinstance(epsilon, int | float) and 0 < epsilon <= epsilon_per_month and math.isfinite(epsilon)):
        raise UserInputError(f"ε must be more than 0 and at most the month's budget ({epsilon_per_month})")
    if not ward or not province:
        raise UserInputError("a release is about one ward of one province")
    keys = [json.dumps(cell, sort_keys=True, ensure_ascii=False) for cell in universe]
    with hub_database.atomic():
        budget(province, ward, period, epsilon_per_month)
        row = (PrivacyBudget.select().where(PrivacyBudget.province == province, PrivacyBudget.ward == ward,
                                            PrivacyBudget.period == period).for_update().get())
        if row.epsilon_spent + epsilon > row.epsilon_total + 1e-12:
            raise BudgetExhausted(f"the privacy budget of {ward}, {province} for {period} is ε = "
                                  f"{row.epsilon_total:g}; {row.epsilon_spent:g} is spent, so a release with "
                                  f"ε = {epsilon:g} is refused")
        sums = {key: 0 for key in keys}
        names = list(universe[0])
        stations = set()
        for count in StatCount.select().where(StatCount.province == province, StatCount.ward == ward,
                                              StatCount.period == period,
                                              StatCount.statistic == source_statistic(statistic)):
            stations.add(count.station_id)
            key = project(json.loads(count.cell), names)
            if key in sums:
                sums[key] += count.count
        scale = sensitivity(statistic) / epsilon
        published = noisy([sums[key] for key in keys], scale)
        cells = [{"cell": cell, "count": value if value >= min_count else None}
                 for cell, value in zip(universe, published, strict=True)]
        PrivacyBudget.update(epsilon_spent=PrivacyBudget.epsilon_spent + epsilon).where(
            PrivacyBudget.id == row.id).execute()
        made = Release.create(province=province, ward=ward, period=period, statistic=statistic, epsilon=epsilon,
                              scale=scale, min_count=min_count, stations=len(stations),
                              cells=json.dumps(cells, ensure_ascii=False), method=method_text(statistic, scale),
                              published_at=now, published_by=actor)
        record_event(actor, "open_data.release", f"release:{made.id}",
                     {"ward": ward, "province": province, "period": period, "statistic": statistic,
                      "epsilon": epsilon}, now)
    return made


class BudgetExhausted(UserInputError):
    """The ward's ε for the month would be exceeded."""


def method_text(statistic: str, scale: float) -> str:
    """How the numbers were made, for the page and the downloads."""
    kind = STATISTICS[statistic][2]
    unit = (f"each person (screened at up to {MAX_STATIONS_PER_PERSON} stations a month)" if kind == "person"
            else f"each {kind} (event-level)")
    return (f"OpenDP discrete Laplace mechanism, scale {scale:.3g} (sensitivity {sensitivity(statistic)} / ε), "
            f"added to every cell of a fixed cell list; protects {unit}; cells whose noisy count is below the "
            "minimum are suppressed (null). A 95% interval for any cell is ± "
            f"{interval_half_width(scale):.3g}.")


def interval_half_width(scale: float, confidence: float = 0.95) -> float:
    """Half-width of the central ``confidence`` interval of Laplace noise of ``scale``."""
    return scale * math.log(1 / (1 - confidence))


def get_release(release_id: int) -> Release:
    """One published release, or :class:`NotFoundError`."""
    found = Release.get_or_none(Release.id == release_id)
    if found is None:
        raise NotFoundError("no such release")
    return found


def csv_rows(made: Release) -> list[list[str]]:
    """The release as CSV rows (header first); suppressed cells are empty."""
    cells = json.loads(made.cells)
    names = list(cells[0]["cell"]) if cells else []
    rows = [["province", "ward", "period", "statistic", *names, "count", "epsilon", "scale", "min_count"]]
    for item in cells:
        rows.append([made.province, made.ward, made.period, made.statistic, *(item["cell"][n] for n in names),
                     "" if item["count"] is None else str(item["count"]), f"{made.epsilon:g}", f"{made.scale:g}",
                     str(made.min_count)])
    return rows


def prevalence(made: Release) -> dict[str, float | None]:
    """High blood pressure (grade 1–3) among those screened, from a ``bp_category`` release,
    with a conservative 95% interval from the noise (None when the totals are suppressed)."""
    cells = {item["cell"]["category"]: item["count"] for item in json.loads(made.cells)}
    return _prevalence(cells, made.scale)


def prevalence_by_group(made: Release) -> list[tuple[str, dict[str, float | None]]]:
    """The same, per age band and sex, from a ``bp_by_age_sex`` release (groups in the fixed
    order; the ``unknown`` groups left out)."""
    groups: dict[tuple[str, str], dict[str, int | None]] = {}
    for item in json.loads(made.cells):
        cell = item["cell"]
        groups.setdefault((cell["age_band"], cell["sex"]), {})[cell["category"]] = item["count"]
    sex_words = {"male": "nam / male", "female": "nữ / female"}
    return [(f"{age} · {sex_words[sex]}", _prevalence(groups[age, sex], made.scale))
            for age in AGE_BANDS for sex in SEXES if (age, sex) in groups and "unknown" not in (age, sex)]


def _prevalence(cells: dict[str, int | None], scale: float) -> dict[str, float | None]:
    high = sum(cells.get(c) or 0 for c in HIGH_BP)
    total = sum(v or 0 for v in cells.values())
    if total <= 0 or any(cells.get(c) is None for c in cells) and high == 0:
        return {"value": None, "low": None, "high": None}
    half = interval_half_width(scale)
    spread_high = half * len(HIGH_BP)
    spread_total = half * len(cells)
    low = max(0.0, (high - spread_high) / (total + spread_total))
    upper = min(1.0, (high + spread_high) / max(1.0, total - spread_total))
    return {"value": min(1.0, high / total), "low": low, "high": upper}
