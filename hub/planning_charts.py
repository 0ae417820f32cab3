"""SVG charts of published (noisy) statistics: prevalence with error bars, a demand heat map
by weekday and hour, and the prevalence trend across months. Text inside is escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from markupsafe import Markup

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
EMPTY = Markup('<p class="empty">Chưa có số liệu được công bố / Nothing published yet.</p>')


def _percent(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def prevalence_chart(rows: list[tuple[str, dict[str, float | None]]], svg_id: str = "prevalence",
                     title: str = "Tỷ lệ tăng huyết áp theo phường, khoảng tin cậy 95% / High blood pressure by "
                                  "ward, 95% interval") -> Markup:
    """Horizontal bars (share with high blood pressure) with their 95% interval as whiskers."""
    rows = [(label, p) for label, p in rows if p["value"] is not None]
    if not rows:
        return EMPTY
    left, width, row_h = 260, 420, 34
    height = 30 + row_h * len(rows)
    body = [f'<line x1="{left}" y1="10" x2="{left}" y2="{height - 10}" class="axis"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + width * tick
        body.append(f'<text x="{x:.0f}" y="{height - 2}" class="tick" text-anchor="middle">{int(tick * 100)} %</text>')
    for i, (label, p) in enumerate(rows):
        y = 12 + i * row_h
        value, low, high = float(p["value"] or 0), float(p["low"] or 0), float(p["high"] or 0)
        body.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" class="label">{escape(label)}</text>'
                    f'<rect x="{left}" y="{y + 4}" width="{width * value:.1f}" height="18" class="bar">'
                    f'<title>{escape(label)}: {_percent(value)} (95%: {_percent(low)}–{_percent(high)})</title></rect>'
                    f'<line x1="{left + width * low:.1f}" y1="{y + 13}" x2="{left + width * high:.1f}" y2="{y + 13}" '
                    f'class="whisker"/><line x1="{left + width * low:.1f}" y1="{y + 7}" x2="{left + width * low:.1f}" '
                    f'y2="{y + 19}" class="whisker"/><line x1="{left + width * high:.1f}" y1="{y + 7}" '
                    f'x2="{left + width * high:.1f}" y2="{y + 19}" class="whisker"/>')
    return Markup(f'<svg id="{escape(svg_id)}" role="img" viewBox="0 0 {left + width + 20} {height}" '
                  f'width="{left + width + 20}" height="{height}"><title>{escape(title)}</title>{"".join(body)}</svg>')


def count_bars(made: Any, svg_id: str, label: Any) -> Markup:
    """Horizontal bars of a release's noisy counts, one per cell (``label(cell)`` names it),
    with the 95% noise interval as whiskers; suppressed cells say so."""
    if made is None:
        return EMPTY
    from hub.open_data import interval_half_width

    cells = json.loads(made.cells)
    half = interval_half_width(made.scale)
    top = max([item["count"] + half for item in cells if item["count"] is not None] or [1.0])
    left, width, row_h = 320, 400, 24
    height = 8 + row_h * len(cells)
    body = []
    for i, item in enumerate(cells):
        y, name = 4 + i * row_h, escape(label(item["cell"]))
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="label">{name}</text>')
        count = item["count"]
        if count is None:
            body.append(f'<text x="{left + 4}" y="{y + 15}" class="tick">ẩn (quá ít) / suppressed</text>')
            continue
        low, high = max(0.0, count - half), count + half
        body.append(f'<rect x="{left}" y="{y + 3}" width="{width * max(0, count) / top:.1f}" height="16" class="bar">'
                    f'<title>{name}: {count} (± {half:.3g})</title></rect>'
                    f'<line x1="{left + width * low / top:.1f}" y1="{y + 11}" x2="{left + width * high / top:.1f}" '
                    f'y2="{y + 11}" class="whisker"/>'
                    f'<text x="{left + width + 6}" y="{y + 15}" class="tick">{count}</text>')
    return Markup(f'<svg id="{escape(svg_id)}" role="img" viewBox="0 0 {left + width + 60} {height}" '
                  f'width="{left + width + 60}" height="{height}"><title>{escape(made.ward)}, '
                  f'{escape(made.period)} (ε = {made.epsilon:g})</title>{"".join(body)}</svg>')


def demand_heatmap(made: Any) -> Markup:
    """Weekday × hour grid shaded by the noisy number of transactions (grey: suppressed)."""
    if made is None:
        return EMPTY
    counts = {(item["cell"]["weekday"], item["cell"]["hour"]): item["count"] for item in json.loads(made.cells)}
    top = max([c for c in counts.values() if c is not None] or [1])
    cell_w, cell_h, left, top_pad = 24, 22, 36, 18
    body = [f'<text x="{left + h * cell_w + cell_w / 2:.0f}" y="12" class="tick" text-anchor="middle">{h}</text>'
            for h in range(0, 24, 3)]
    for d, name in enumerate(WEEKDAYS):
        y = top_pad + d * cell_h
        body.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="tick">{name}</text>')
        for h in range(24):
            count = counts.get((str(d), str(h)))
            x = left + h * cell_w
            if count is None:
                body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" class="suppressed">'
                            f'<title>{name} {h}h: ẩn (quá ít) / suppressed</title></rect>')
            else:
                shade = max(0.08, min(1.0, count / top))
                body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" class="heat" '
                            f'fill-opacity="{shade:.2f}"><title>{name} {h}h: {count}</title></rect>')
    width, height = left + 24 * cell_w + 4, top_pad + 7 * cell_h + 4
    return Markup(f'<svg id="demand-heatmap" role="img" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}"><title>Nhu cầu dịch vụ theo giờ và thứ ({escape(made.ward)}, '
                  f'{escape(made.period)}) / Service demand by hour and weekday</title>{"".join(body)}</svg>')


def trend_chart(points: list[tuple[str, str, dict[str, float | None]]]) -> Markup:
    """One line per ward: the share with high blood pressure month by month."""
    series: dict[str, dict[str, float]] = {}
    for period, ward, p in points:
        if p["value"] is not None:
            series.setdefault(ward, {})[period] = float(p["value"])
    periods = sorted({period for values in series.values() for period in values})
    if len(periods) < 2:
        return Markup('<p class="empty">Cần số liệu của ít nhất hai tháng / Needs at least two months.</p>')
    left, width, top, height = 50, 520, 12, 200  # plot area: y from top to top + height
    step = width / (len(periods) - 1)
    body = [f'<text x="{left + i * step:.0f}" y="{top + height + 16}" class="tick" text-anchor="middle">'
            f'{escape(p)}</text>' for i, p in enumerate(periods)]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - tick)
        body.append(f'<line x1="{left}" y1="{y:.0f}" x2="{left + width}" y2="{y:.0f}" class="grid"/>'
                    f'<text x="{left - 6}" y="{y + 4:.0f}" text-anchor="end" class="tick">{int(tick * 100)} %</text>')
    label_ys: list[float] = []
    for n, (ward, values) in enumerate(sorted(series.items())):
        coordinates = [(left + periods.index(p) * step, top + height * (1 - v)) for p, v in sorted(values.items())]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        body.append(f'<polyline points="{path}" class="trend trend-{n % 6}"><title>{escape(ward)}</title></polyline>')
        x, y = coordinates[-1]
        label_y = y + 4
        while any(abs(label_y - other) < 14 for other in label_ys):  # wards with close values: stack the labels
            label_y += 14
        label_ys.append(label_y)
        body.append(f'<text x="{x + 6:.1f}" y="{label_y:.1f}" class="label trend-label-{n % 6}">{escape(ward)}</text>')
    total_height = top + height + 24 + max(0.0, max(label_ys) - (top + height))
    return Markup(f'<svg id="trend" role="img" viewBox="0 0 {left + width + 200} {total_height:.0f}" '
                  f'width="{left + width + 200}" height="{total_height:.0f}"><title>Xu hướng tăng huyết áp / High '
                  f'blood pressure trend</title>{"".join(body)}</svg>')
