"""Small server-rendered SVG charts: bar, horizontal bar, stacked horizontal bar, line.

Every chart is accessible on its own (``role="img"`` with a title and description, every
value written as text next to its mark) and comes with its data as a table on the page.
Styling uses SVG presentation attributes only, never ``style=``: the page's CSP forbids
inline styles, and the PDF renderer draws the same markup without any stylesheet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#000000")
FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1d1f24"
GRID = "#d5d8e0"
WIDTH = 640


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """What to draw. ``kind`` is one of bar, hbar, stacked, line."""

    key: str
    kind: str
    title: str
    description: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    # a horizontal reference line (e.g. a target) drawn across line and bar charts
    reference: float | None = None
    reference_label: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.categories or all(not any(s.values) for s in self.series)


def format_value(value: float, unit: str = "") -> str:
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit}" if unit in ("%", "") else f"{text} {unit}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _ticks(maximum: float, *, whole: bool) -> list[float]:
    """Gridline values from 0 to a readable top; whole numbers only for counts."""
    top = nice_ceiling(maximum)
    if whole:
        top = max(1.0, float(math.ceil(top)))
        if top == 2.5:
            top = 3.0
        count = int(top) if top <= 5 else (4 if top % 4 == 0 else 5)
    else:
        count = 4
    return [top * i / count for i in range(count + 1)]


def _whole(chart: Chart) -> bool:
    return chart.unit == "" and all(float(v).is_integer() for s in chart.series for v in s.values)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-") or "chart"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 12,
    weight: str = "normal",
    fill: str = INK,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="{FONT}" '
        f'font-size="{size}" font-weight="{weight}" fill="{fill}">{escape(content)}</text>'
    )


def _open(chart: Chart, height: float) -> list[str]:
    slug = _slug(chart.key)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'aria-labelledby="{slug}-title {slug}-desc">',
        f'<title id="{slug}-title">{escape(chart.title)}</title>',
        f'<desc id="{slug}-desc">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height:.0f}" fill="#ffffff"/>',
    ]


def _empty(chart: Chart) -> SafeString:
    parts = _open(chart, 80)
    parts.append(_text(WIDTH / 2, 45, _("No data for this period."), anchor="middle", size=14))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    parts: list[str] = []
    x = 10.0
    for index, s in enumerate(series):
        label = _clip(s.label, 30)
        width = 24 + 7 * len(label)
        if x + width > WIDTH - 10:
            x = 10.0
            y += 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
        )
        parts.append(_text(x + 16, y, label, size=11))
        x += width
    return parts, y + 18


def render(chart: Chart) -> SafeString:
    """The chart as an SVG document fragment, safe to embed in HTML and in the PDF."""
    if chart.empty:
        return _empty(chart)
    renderer = {"bar": _bar, "hbar": _hbar, "stacked": _stacked, "line": _line}[chart.kind]
    return mark_safe("".join(renderer(chart)))  # noqa: S308 - every text is escaped


def _vertical_frame(
    chart: Chart, left: float, right: float, top: float, plot_height: float
) -> tuple[list[str], list[str], float, float]:
    """The frame bar and line charts share: the opened SVG, the legend (when several series),
    the value axis with its grid; returns (parts, legend parts, pixels per unit, baseline y)."""
    many = len(chart.series) > 1
    legend_parts, legend_bottom = (
        _legend(chart.series, top + plot_height + 52) if many else ([], top + plot_height + 40)
    )
    parts = _open(chart, legend_bottom + 4)
    maximum = max(max(s.values, default=0) for s in chart.series)
    if chart.reference is not None:
        maximum = max(maximum, chart.reference)
    ticks = _ticks(maximum, whole=_whole(chart))
    scale = plot_height / ticks[-1]
    base = top + plot_height
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, format_value(tick, chart.unit), anchor="end", size=10))
    return parts, legend_parts, scale, base


def _bar(chart: Chart) -> list[str]:
    """Vertical bars, one group per category, one bar per series in the group."""
    left, right, top, plot_height = 56.0, 10.0, 20.0, 200.0
    parts, legend_parts, scale, base = _vertical_frame(chart, left, right, top, plot_height)
    slot = (WIDTH - left - right) / len(chart.categories)
    bar = min(48.0, slot * 0.8 / len(chart.series))
    label_limit = max(4, int(slot / 6.5))
    for c_index, category in enumerate(chart.categories):
        group_x = left + c_index * slot + (slot - bar * len(chart.series)) / 2
        for s_index, s in enumerate(chart.series):
            value = s.values[c_index]
            x = group_x + s_index * bar
            height = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{bar - 2:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}"><title>{escape(category)}, {escape(s.label)}: '
                f"{escape(format_value(value, chart.unit))}</title></rect>"
            )
            if slot >= 26 or len(chart.categories) <= 12:
                parts.append(
                    _text(
                        x + (bar - 2) / 2,
                        base - height - 4,
                        format_value(value, chart.unit),
                        anchor="middle",
                        size=10,
                    )
                )
        parts.append(
            _text(
                left + c_index * slot + slot / 2,
                base + 16,
                _clip(category, label_limit),
                anchor="middle",
                size=10,
            )
        )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.extend(_reference(chart, left, right, base, scale))
    parts.extend(legend_parts)
    parts.append("</svg>")
    return parts


def _reference(chart: Chart, left: float, right: float, base: float, scale: float) -> list[str]:
    if chart.reference is None:
        return []
    y = base - chart.reference * scale
    label = chart.reference_label or format_value(chart.reference, chart.unit)
    return [
        f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#D55E00" stroke-width="2" stroke-dasharray="6 4"/>',
        _text(
            WIDTH - right - 2, y - 4, label, anchor="end", size=11, weight="bold", fill="#8a3300"
        ),
    ]


def _hbar(chart: Chart) -> list[str]:
    """Horizontal bars (long category names: countries, providers), one series."""
    label_width, right, top, row = 210.0, 70.0, 10.0, 24.0
    values = chart.series[0].values
    height = top + row * len(chart.categories) + 10
    parts = _open(chart, height)
    maximum = max(max(values, default=0), chart.reference or 0)
    scale = (WIDTH - label_width - right) / (maximum or 1)
    for index, category in enumerate(chart.categories):
        y = top + index * row
        value = values[index]
        parts.append(_text(label_width - 8, y + 16, _clip(category, 30), anchor="end", size=12))
        parts.append(
            f'<rect x="{label_width}" y="{y + 3:.1f}" width="{value * scale:.1f}" height="{row - 6:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(category)}: {escape(format_value(value, chart.unit))}</title></rect>'
        )
        parts.append(
            _text(label_width + value * scale + 6, y + 16, format_value(value, chart.unit), size=12)
        )
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 10:.1f}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return parts


def _stacked(chart: Chart) -> list[str]:
    """Horizontal stacked bars: each category's total split by series (e.g. referral status)."""
    label_width, right, top, row = 170.0, 60.0, 10.0, 26.0
    legend_parts, legend_bottom = _legend(chart.series, top + row * len(chart.categories) + 24)
    parts = _open(chart, legend_bottom + 4)
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    scale = (WIDTH - label_width - right) / (max(totals) or 1)
    for index, category in enumerate(chart.categories):
        y = top + index * row
        x = label_width
        parts.append(_text(label_width - 8, y + 17, _clip(category, 24), anchor="end", size=12))
        for s_index, s in enumerate(chart.series):
            value = s.values[index]
            if not value:
                continue
            width = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3:.1f}" width="{width:.1f}" height="{row - 6:.1f}" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(category)}, {escape(s.label)}: {escape(format_value(value, chart.unit))}</title></rect>"
            )
            if width >= 22:
                parts.append(
                    _text(
                        x + width / 2,
                        y + 17,
                        format_value(value),
                        anchor="middle",
                        size=10,
                        fill="#ffffff" if s_index in (0, 5, 7) else INK,
                    )
                )
            x += width
        parts.append(
            _text(x + 6, y + 17, format_value(totals[index], chart.unit), size=12, weight="bold")
        )
    parts.extend(legend_parts)
    parts.append("</svg>")
    return parts


def _line(chart: Chart) -> list[str]:
    """Lines over ordered categories (months), one per series, every point labelled."""
    left, right, top, plot_height = 56.0, 36.0, 20.0, 200.0
    parts, legend_parts, scale, base = _vertical_frame(chart, left, right, top, plot_height)
    count = len(chart.categories)
    step = (WIDTH - left - right - 20) / max(count - 1, 1)
    every = max(1, math.ceil(count / 12))

    def x_of(index: int) -> float:
        return left + 10 + index * step

    for index, category in enumerate(chart.categories):
        if index % every == 0:
            parts.append(
                _text(x_of(index), base + 16, _clip(category, 10), anchor="middle", size=10)
            )
    for s_index, s in enumerate(chart.series):
        colour = PALETTE[s_index % len(PALETTE)]
        points = " ".join(f"{x_of(i):.1f},{base - v * scale:.1f}" for i, v in enumerate(s.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle cx="{x_of(i):.1f}" cy="{base - v * scale:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(chart.categories[i])}, {escape(s.label)}: {escape(format_value(v, chart.unit))}</title></circle>"
            )
            if len(chart.series) == 1 and count <= 24:
                parts.append(
                    _text(
                        x_of(i),
                        base - v * scale - 8,
                        format_value(v, chart.unit),
                        anchor="middle",
                        size=10,
                    )
                )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.extend(_reference(chart, left, right, base, scale))
    parts.extend(legend_parts)
    parts.append("</svg>")
    return parts
