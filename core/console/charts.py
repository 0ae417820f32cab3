"""Server-rendered SVG charts for the console (pure: numbers in, SVG text out).

No script, no external service, no inline ``style`` (the CSP forbids it): only SVG
presentation attributes. Every chart has a ``<title>`` and ``<desc>`` for screen readers;
the page also offers the same numbers as CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5aa6", "#c8102e", "#0f7b6c", "#b25e00", "#6b3fa0", "#0d6b2f", "#55606e", "#a3366b",
           "#2f7f9e", "#7a6a00")
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 56
INK, GRID, MUTED = "#1a1d21", "#d4d8dd", "#4a5058"


def color_for(index: int) -> str:
    """The palette colour of series ``index`` (cycles)."""
    return PALETTE[index % len(PALETTE)]


def nice_ceiling(value: float) -> int:
    """A round axis maximum ≥ ``value`` (1, 2, 5 × 10ⁿ), at least 1."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def plain_number(value: float) -> str:
    """``1234567`` → ``1,234,567`` (the default; pages pass their locale's formatter)."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def compact_number(value: float) -> str:
    """Short axis labels: ``2500`` → ``2.5k``, ``60000000`` → ``60M``."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return text + suffix
    return f"{value:g}"


def _frame(chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
            f'height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">'
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
            f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')
    return Markup(head + "".join(body) + "</svg>")  # nosec B704 # every text embedded in the SVG is escaped when it is built


def _axes(maximum: int) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = maximum * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = compact_number(value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">{label}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{INK}" stroke-width="1.5"/>')
    return parts


def _x_labels(labels: Sequence[str], slot: float) -> list[str]:
    every = max(1, round(len(labels) / 12))  # at most ~12 labels, never overlapping
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + slot * i + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12" '
                     f'fill="{MUTED}">{escape(label)}</text>')
    return parts


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], series: dict[str, Sequence[int]],
                 colors: dict[str, str] | None = None, empty_text: str = "No data") -> Markup:
    """Bars per label (e.g. day), stacked by series (e.g. plugin)."""
    colors = colors or {name: color_for(i) for i, name in enumerate(series)}
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    maximum = nice_ceiling(max(totals, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar_w = max(2.0, slot * 0.7)
    body = _axes(maximum)
    for i in range(len(labels)):
        y = TOP + plot_h
        for name, values in series.items():
            if not values[i]:
                continue
            h = plot_h * values[i] / maximum
            y -= h
            body.append(f'<rect x="{LEFT + slot * i + (slot - bar_w) / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                        f'height="{h:.1f}" fill="{colors[name]}"><title>{escape(labels[i])} · {escape(name)}: '
                        f'{values[i]}</title></rect>')
    body += _x_labels(labels, slot)
    if not any(totals):
        body.append(_empty(empty_text))
    description = "; ".join(f"{name}: {sum(values)}" for name, values in series.items()) or empty_text
    return _frame(chart_id, title, description, body)


def bars(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], color: str = PALETTE[0],
         fmt: Callable[[float], str] = plain_number, empty_text: str = "No data") -> Markup:
    """One bar per label, the value written above each bar."""
    maximum = nice_ceiling(max(values, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar_w = max(2.0, min(slot * 0.7, 90))
    body = _axes(maximum)
    show_values = len(labels) <= 16
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / maximum
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = TOP + plot_h - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                    f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        if show_values and value:
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="12" '
                        f'fill="{INK}">{escape(fmt(value))}</text>')
    body += _x_labels(labels, slot)
    if not any(values):
        body.append(_empty(empty_text))
    description = "; ".join(f"{label}: {fmt(value)}" for label, value in zip(labels, values, strict=True))
    return _frame(chart_id, title, description or empty_text, body)


def _empty(text: str) -> str:
    return (f'<text x="{(WIDTH + LEFT) / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" font-size="16" '
            f'fill="{MUTED}">{escape(text)}</text>')
