"""What the hub console draws from the fleet: the station map and the fleet's usage.

The map needs no tiles or outlines from the internet: stations are placed by their
configured latitude and longitude on a plain equirectangular grid (one line per degree)
around the fleet's extent; stations without coordinates are listed beside it. Usage is the
stations' own usage counts summed, drawn with the station console's chart functions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from typing import Any

import peewee
from markupsafe import Markup

from core.console.charts import bars, stacked_bars
from hub.db import StationUsage

MAP_WIDTH, MAP_HEIGHT, MARGIN = 720, 720, 40


def filter_stations(stations: list[dict[str, Any]], province: str, ward: str) -> list[dict[str, Any]]:
    """The stations in ``province`` and ``ward`` (empty: any)."""
    return [s for s in stations if (not province or s["province"] == province) and (not ward or s["ward"] == ward)]


def places(stations: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Province → its wards, as the stations report them (for the filter menus)."""
    found: dict[str, set[str]] = defaultdict(set)
    for station in stations:
        if station["province"]:
            found[station["province"]].add(station["ward"])
    return {province: sorted(w for w in wards if w) for province, wards in sorted(found.items())}


def station_map(stations: list[dict[str, Any]], notes: dict[str, str] | None = None) -> Markup:
    """An SVG of the stations that have coordinates: green online, red offline, ringed when
    an alert is open; each dot names its station (tooltip and accessible title). ``notes``
    (station id → text) are added to the label (e.g. its latest readings)."""
    located = [s for s in stations if s["latitude"] is not None and s["longitude"] is not None]
    if not located:
        return Markup('<p id="map-empty">Chưa trạm nào có toạ độ (site.latitude/longitude) / '
                      'No station has coordinates yet.</p>')
    lats = [s["latitude"] for s in located]
    lons = [s["longitude"] for s in located]
    span = max(max(lats) - min(lats), max(lons) - min(lons)) + 0.02
    # a square view centred on the stations (degrees of latitude and longitude drawn alike)
    south = (min(lats) + max(lats)) / 2 - span / 2
    west = (min(lons) + max(lons)) / 2 - span / 2
    scale = (MAP_WIDTH - 2 * MARGIN) / span

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return MARGIN + (lon - west) * scale, MAP_HEIGHT - MARGIN - (lat - south) * scale

    body = []
    step = 1.0 if span > 2 else 0.1 if span > 0.2 else 0.01
    line = round(west / step) * step
    while line <= west + span:
        x, _ = xy(south, line)
        body.append(f'<line x1="{x:.1f}" y1="{MARGIN}" x2="{x:.1f}" y2="{MAP_HEIGHT - MARGIN}" class="grid"/>'
                    f'<text x="{x:.1f}" y="{MAP_HEIGHT - 10}" class="tick">{line:.2f}°E</text>')
        line += step
    line = round(south / step) * step
    while line <= south + span:
        _, y = xy(line, west)
        body.append(f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{MAP_WIDTH - MARGIN}" y2="{y:.1f}" class="grid"/>'
                    f'<text x="2" y="{y:.1f}" class="tick">{line:.2f}°N</text>')
        line += step
    for station in located:
        x, y = xy(station["latitude"], station["longitude"])
        state = "on" if station["online"] else "off"
        label = escape(station["name"] or station["site_id"])
        if notes and notes.get(station["id"]):
            label += " — " + escape(notes[station["id"]])
        ring = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" class="alert-ring"/>' if station["alerts"] else ""
        state_text = "trực tuyến / online" if station["online"] else "mất kết nối / offline"
        alerts_text = f", {station['alerts']} cảnh báo / alerts" if station["alerts"] else ""
        body.append(f'<g class="station {state}" data-site="{escape(station["site_id"])}">{ring}'
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7"><title>{label} — '
                    f'{state_text}{alerts_text}</title></circle>'
                    f'<text x="{x + 10 if x < MAP_WIDTH * 0.55 else x - 10:.1f}" y="{y + 4:.1f}" class="label" '
                    f'text-anchor="{"start" if x < MAP_WIDTH * 0.55 else "end"}">{label}</text></g>')
    return Markup(f'<svg id="station-map" role="img" viewBox="0 0 {MAP_WIDTH} {MAP_HEIGHT}" '
                  f'width="{MAP_WIDTH}" height="{MAP_HEIGHT}"><title>Bản đồ trạm / Station map</title>'
                  + "".join(body) + "</svg>")


def latest_readings(station_ids: list[str]) -> dict[str, dict[str, tuple[float, str, float]]]:
    """Station id → quantity → (value, unit, time) of its newest observation."""
    from hub.db import Observation

    newest = (Observation.select(Observation.station_id, Observation.quantity,
                                 peewee.fn.MAX(Observation.phenomenon_time).alias("at"))
              .where(Observation.station_id.in_(station_ids)).group_by(Observation.station_id, Observation.quantity))
    found: dict[str, dict[str, tuple[float, str, float]]] = defaultdict(dict)
    for row in newest:
        reading = Observation.get(Observation.station_id == row.station_id, Observation.quantity == row.quantity,
                                  Observation.phenomenon_time == row.at)
        found[row.station_id][row.quantity] = (reading.value, reading.unit, reading.phenomenon_time)
    return dict(found)


def reading_note(readings: dict[str, tuple[float, str, float]]) -> str:
    """``0,098 µSv/h · PM2.5 18 µg/m³`` for a label (Vietnamese decimal comma)."""
    parts = []
    if "dose_rate" in readings:
        parts.append(f"{readings['dose_rate'][0]:.3f}".replace(".", ",") + " µSv/h")
    if "pm25" in readings:
        parts.append(f"PM2.5 {readings['pm25'][0]:.0f} µg/m³")
    return " · ".join(parts)


def fleet_usage(station_ids: list[str]) -> dict[str, Any]:
    """The stations' latest usage counts summed by day (the newest days any station reported)."""
    rows = [json.loads(r.body) for r in StationUsage.select().where(StationUsage.station_id.in_(station_ids))]
    days = sorted({day for row in rows for day in row["days"]})[-14:]
    transactions: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    screenings = [0] * len(days)
    payments: dict[str, int] = defaultdict(int)
    for row in rows:
        for i, day in enumerate(row["days"]):
            if day not in days:
                continue
            slot = days.index(day)
            for plugin, counts in row["transactions"].items():
                transactions[plugin][slot] += counts[i]
            if i < len(row.get("screenings", [])):
                screenings[slot] += row["screenings"][i]
        for method, count in row.get("payments", {}).items():
            payments[method] += count
    return {"days": days, "transactions": dict(sorted(transactions.items())), "screenings": screenings,
            "payments": dict(sorted(payments.items())), "stations": len(rows)}


def usage_charts(usage: dict[str, Any]) -> list[tuple[str, Markup]]:
    """(title, chart) pairs for :func:`fleet_usage` (day labels dd/mm)."""
    labels = [f"{day[8:10]}/{day[5:7]}" for day in usage["days"]]
    empty = "Chưa có số liệu / No data"
    charts = [("Giao dịch theo dịch vụ / Transactions by service",
               lambda title: stacked_bars("fleet-transactions", title, labels, usage["transactions"],
                                          empty_text=empty)),
              ("Lượt khám sàng lọc / Health screenings",
               lambda title: bars("fleet-screenings", title, labels, usage["screenings"], empty_text=empty)),
              ("Thanh toán theo hình thức (14 ngày) / Payments by method (14 days)",
               lambda title: bars("fleet-payments", title, list(usage["payments"]),
                                  list(usage["payments"].values()), empty_text=empty))]
    return [(title, draw(title)) for title, draw in charts]
