"""Environmental monitoring at the station: radiation (Geiger counter) and fine dust (PMS5003).

Readings are taken through ``sdk.devices`` at most once per ``env_sample_seconds`` (when the
public page or its JSON is asked for: the kiosk's environment screen refreshes itself) and
kept in ``security_env_reading`` (no personal data). The page shows the latest values, the
Vietnamese AQI of PM2.5 over the last hour and 24-hour charts; crossing a configured threshold
shows a warning and raises one station alert until staff resolve it.

Vietnamese AQI (VN_AQI): Decision 1459/QĐ-TCMT of 12/11/2019 (Vietnam Environment
Administration), breakpoints for PM2.5 in µg/m³ and the six categories with their colours.
The decision's hourly index uses a 12-hour NowCast; a station shows the mean of its last
hour of readings, which this page says ("chỉ số tham khảo", an indicative index).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import peewee

from sdk import Model
from sdk.devices import DeviceUnavailable, device, measure

KINDS = ("geiger_counter", "air_quality")
DAY_S = 24 * 3600

#: (C_low, C_high, I_low, I_high) for PM2.5, QĐ 1459/QĐ-TCMT table 2.
PM25_BREAKPOINTS = ((0, 25, 0, 50), (25, 50, 50, 100), (50, 80, 100, 150), (80, 150, 150, 200),
                    (150, 250, 200, 300), (250, 350, 300, 400), (350, 500, 400, 500))


@dataclass(frozen=True)
class AqiCategory:
    """One VN_AQI band: its upper index, code, names and colour (QĐ 1459/QĐ-TCMT table 1)."""

    upper: int
    code: str
    vi: str
    en: str
    advice_vi: str
    advice_en: str


AQI_CATEGORIES = (
    AqiCategory(50, "good", "Tốt", "Good", "Không khí tốt, không ảnh hưởng tới sức khoẻ.",
                "Air quality is good; no health effects."),
    AqiCategory(100, "moderate", "Trung bình", "Moderate",
                "Người nhạy cảm nên hạn chế ở ngoài trời lâu.", "Sensitive people should limit long stays outdoors."),
    AqiCategory(150, "poor", "Kém", "Poor", "Người nhạy cảm (trẻ em, người già, người có bệnh hô hấp) nên hạn chế "
                "ra ngoài.", "Sensitive people (children, the elderly, people with breathing problems) should "
                "limit going out."),
    AqiCategory(200, "bad", "Xấu", "Bad", "Mọi người nên hạn chế ra ngoài; người nhạy cảm tránh ra ngoài.",
                "Everyone should limit time outdoors; sensitive people should avoid it."),
    AqiCategory(300, "very_bad", "Rất xấu", "Very bad", "Mọi người nên ở trong nhà, đóng cửa.",
                "Everyone should stay indoors with windows closed."),
    AqiCategory(500, "hazardous", "Nguy hại", "Hazardous", "Mọi người nên ở trong nhà.", "Everyone should stay indoors."),
)


def vn_aqi_pm25(concentration: float) -> int:
    """The VN_AQI sub-index of a PM2.5 concentration (µg/m³): linear within its band, 500 at most."""
    value = max(0.0, float(concentration))
    for c_low, c_high, i_low, i_high in PM25_BREAKPOINTS:
        if value <= c_high:
            return round(i_low + (i_high - i_low) * (value - c_low) / (c_high - c_low))
    return 500


def aqi_category(aqi: int) -> AqiCategory:
    """The band an index falls in."""
    return next(c for c in AQI_CATEGORIES if aqi <= c.upper)


class EnvReading(Model):
    """One environmental reading (``values``: channel → number, JSON)."""

    kind = peewee.CharField(max_length=32)
    values = peewee.TextField()
    taken_at = peewee.DoubleField(index=True)

    class Meta:
        table_name = "security_env_reading"

    @property
    def value_dict(self) -> dict[str, float]:
        return json.loads(self.values)


@dataclass(frozen=True)
class SampleResult:
    """What one sampling round read, and the devices that could not be read (kind → message)."""

    readings: tuple[EnvReading, ...]
    problems: dict[str, str]


def present_kinds() -> tuple[str, ...]:
    """The environmental device kinds this site has."""
    return tuple(kind for kind in KINDS if device(kind) is not None)


def latest(kind: str) -> EnvReading | None:
    """The newest reading of ``kind``."""
    return EnvReading.select().where(EnvReading.kind == kind).order_by(EnvReading.taken_at.desc()).first()


def since(kind: str, start: float) -> list[EnvReading]:
    """Readings of ``kind`` taken at or after ``start``, oldest first."""
    return list(EnvReading.select().where((EnvReading.kind == kind) & (EnvReading.taken_at >= start))
                .order_by(EnvReading.taken_at))


def sample_due(now: float, every_s: float) -> SampleResult:
    """Read each present device whose latest reading is older than ``every_s`` seconds."""
    readings: list[EnvReading] = []
    problems: dict[str, str] = {}
    for kind in present_kinds():
        last = latest(kind)
        if last is not None and now - last.taken_at < every_s:
            continue
        try:
            values = measure(kind).values
        except DeviceUnavailable as exc:
            problems[kind] = str(exc)
            continue
        readings.append(EnvReading.create(kind=kind, values=json.dumps(values), taken_at=now))
    return SampleResult(tuple(readings), problems)


def hourly_pm25(now: float) -> float | None:
    """Mean PM2.5 of the last hour of readings (µg/m³), or None without any."""
    values = [r.value_dict["pm25"] for r in since("air_quality", now - 3600)]
    return sum(values) / len(values) if values else None


def chart_svg(points: list[tuple[float, float]], start: float, end: float, threshold: float | None,
              label: str, label_start: str = "-24 h", label_end: str = "now", width: int = 900,
              height: int = 220) -> str:
    """A 24-hour line chart as SVG text (presentation attributes only: no script, no inline
    style, so the station's CSP allows it); the threshold as a dashed red line."""
    top = max([v for _, v in points] + ([threshold * 1.2] if threshold else []) + [1e-9])
    def x(t: float) -> float:
        return round(40 + (width - 50) * (t - start) / max(end - start, 1), 1)

    def y(v: float) -> float:
        return round(height - 25 - (height - 40) * v / top, 1)

    line = " ".join(f"{x(t)},{y(v)}" for t, v in points)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="env-chart" '
             f'role="img" aria-label="{label}">',
             f'<line x1="40" y1="{height - 25}" x2="{width - 10}" y2="{height - 25}" stroke="#6b7280" stroke-width="1"/>',
             f'<text x="2" y="{y(top) + 12}" font-size="12" fill="#374151">{top:.3g}</text>',
             f'<text x="2" y="{height - 28}" font-size="12" fill="#374151">0</text>']
    if threshold:
        parts.append(f'<line x1="40" y1="{y(threshold)}" x2="{width - 10}" y2="{y(threshold)}" stroke="#b91c1c" stroke-width="2" stroke-dasharray="8 6"/>')
    parts.append(f'<text x="40" y="{height - 6}" font-size="12" fill="#374151">{label_start}</text>')
    parts.append(f'<text x="{width - 10}" y="{height - 6}" font-size="12" fill="#374151" '
                 f'text-anchor="end">{label_end}</text>')
    if len(points) > 1:
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1d4ed8" stroke-width="3"/>')
    parts += [f'<circle cx="{x(t)}" cy="{y(v)}" r="4" fill="#1d4ed8"/>' for t, v in points[-200:]]
    parts.append("</svg>")
    return "".join(parts)


def thresholds(settings: dict[str, Any]) -> dict[str, float]:
    """The site's warning thresholds: dose rate (µSv/h) and VN_AQI."""
    return {"dose_rate": int(settings["env_dose_rate_alert_nsv_h"]) / 1000, "aqi": float(settings["env_aqi_alert"])}


#: (kind, channel) → (quantity name, unit symbol) of what is shared as open data
OPEN_CHANNELS = {("geiger_counter", "dose_rate"): ("dose_rate", "µSv/h"),
                 ("geiger_counter", "cpm"): ("count_rate", "counts/min"),
                 ("air_quality", "pm25"): ("pm25", "µg/m³"),
                 ("air_quality", "pm10"): ("pm10", "µg/m³")}


def open_observations(start: float, end: float, limits: dict[str, float]) -> list[dict[str, Any]]:
    """The readings of ``[start, end)`` as observations for open data (environmental, never
    personal), each marked when it is over the site's warning threshold."""
    rows = (EnvReading.select().where((EnvReading.taken_at >= start) & (EnvReading.taken_at < end))
            .order_by(EnvReading.taken_at).limit(2000))
    found = []
    for reading in rows:
        values = reading.value_dict
        for (kind, channel), (quantity, unit) in OPEN_CHANNELS.items():
            if kind != reading.kind or channel not in values:
                continue
            value = float(values[channel])
            over = (quantity == "dose_rate" and value >= limits["dose_rate"]) or \
                (quantity == "pm25" and vn_aqi_pm25(value) >= limits["aqi"])
            found.append({"sensor": kind, "quantity": quantity, "unit": unit, "time": reading.taken_at,
                          "value": value, "exceeds": over})
    return found
