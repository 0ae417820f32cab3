"""A tiny server-rendered SVG line chart (no JavaScript, no library) — pure function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend, a colour and the (x label, y) points in order."""

    name: str
    colour: str
    points: Sequence[tuple[str, float]]


def line_chart(series: Sequence[Series], title: str, width: int = 640, height: int = 260,
               bands: Sequence[tuple[float, float, str]] = ()) -> str:
    """An ``<svg>`` line chart of ``series`` sharing one x axis (the labels of the first series).

    ``bands`` are shaded y ranges (low, high, colour), e.g. a reference range.
    Returns markup safe to embed (every text is escaped).
    """
    left, right, top, bottom = 48, 28, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [y for s in series for _, y in s.points] + [v for b in bands for v in b[:2]]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>',
             f'<text x="{left}" y="18" font-size="14" font-weight="600">{escape(title)}</text>']
    labels = list(series[0].points) if series else []
    if not values or not labels:
        parts.append(f'<text x="{left}" y="{top + plot_h // 2}" font-size="14">—</text></svg>')
        return "".join(parts)
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad

    def y_of(v: float) -> float:
        return round(top + plot_h - (v - low) / (high - low) * plot_h, 1)

    count = max(len(s.points) for s in series)

    def x_of(i: int) -> float:
        return round(left + (plot_w / 2 if count == 1 else i * plot_w / (count - 1)), 1)

    for band_low, band_high, colour in bands:
        y1, y2 = y_of(band_high), y_of(band_low)
        parts.append(f'<rect x="{left}" y="{y1}" width="{plot_w}" height="{round(y2 - y1, 1)}" '
                     f'fill="{escape(colour)}" opacity="0.25"/>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>')
    decimals = 1 if high - low < 10 else 0
    for tick in (low + pad, (low + high) / 2, high - pad):
        parts.append(f'<text x="{left - 6}" y="{y_of(tick) + 4}" font-size="11" text-anchor="end">'
                     f'{tick:.{decimals}f}</text>')
    step = max(1, len(labels) // 6)
    for i, (label, _) in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            parts.append(f'<text x="{x_of(i)}" y="{height - 14}" font-size="11" text-anchor="middle">'
                         f'{escape(label)}</text>')
    for index, s in enumerate(series):
        coords = " ".join(f"{x_of(i)},{y_of(y)}" for i, (_, y) in enumerate(s.points))
        parts.append(f'<polyline fill="none" stroke="{escape(s.colour)}" stroke-width="3" points="{coords}"/>')
        for i, (_, y) in enumerate(s.points):
            parts.append(f'<circle cx="{x_of(i)}" cy="{y_of(y)}" r="4" fill="{escape(s.colour)}">'
                         f'<title>{escape(s.name)}: {y:g}</title></circle>')
        if len(series) > 1:  # a single line is named by the title
            parts.append(f'<text x="{left + plot_w - 120 * index}" y="18" font-size="12" text-anchor="end" '
                         f'fill="{escape(s.colour)}">{escape(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
