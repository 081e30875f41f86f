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


# DejaVu Sans' average advance is about 0.6 em; labels are laid out with this estimate and
# ``tests/monitoring/test_charts.py`` checks every text stays inside the drawing with it.
CHAR_EM = 0.62
# The drawing is 640 units wide and printed about 178 mm wide on A4 (1 unit ≈ 0.28 mm): 11
# units is 8.7 pt, the smallest size used for any text.
SMALL, NORMAL = 11, 12
LINE = 1.25  # line height, in em


def text_width(text: str, size: float) -> float:
    """The estimated width of ``text`` at ``size`` (drawing units)."""
    return len(text) * size * CHAR_EM


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width``: whole words where they fit, a word longer
    than a line split across lines; never shortened, so no label is ever cut."""
    limit = max(1, int(width / (size * CHAR_EM)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            # Break a long word after a hyphen where one fits ("2025-" / "01"), else anywhere.
            cut = word.rfind("-", 0, limit) + 1 or limit
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-") or "chart"


def _text(
    x: float,
    y: float,
    content: str | list[str],
    *,
    anchor: str = "start",
    size: int = NORMAL,
    weight: str = "normal",
    fill: str = INK,
) -> str:
    """A text at (x, y), its first baseline at y; a list is drawn as lines below each other."""
    lines = [content] if isinstance(content, str) else content
    body = escape(lines[0]) + "".join(
        f'<tspan x="{x:.1f}" dy="{size * LINE:.1f}">{escape(line)}</tspan>' for line in lines[1:]
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="{FONT}" '
        f'font-size="{size}" font-weight="{weight}" fill="{fill}">{body}</text>'
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
        lines = wrap(s.label, WIDTH - 46, SMALL)
        width = 26 + max(text_width(line, SMALL) for line in lines)
        if x + width > WIDTH - 10 and x > 10:
            x = 10.0
            y += 20
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
        )
        parts.append(_text(x + 16, y, lines, size=SMALL))
        y += SMALL * LINE * (len(lines) - 1)
        x += width
    return parts, y + 20


def render(chart: Chart) -> SafeString:
    """The chart as an SVG document fragment, safe to embed in HTML and in the PDF."""
    if chart.empty:
        return _empty(chart)
    renderer = {"bar": _bar, "hbar": _hbar, "stacked": _stacked, "line": _line}[chart.kind]
    return mark_safe("".join(renderer(chart)))  # noqa: S308 - every text is escaped


def _vertical_frame(
    chart: Chart, left: float, right: float, top: float, plot_height: float, label_lines: int = 1
) -> tuple[list[str], list[str], float, float]:
    """The frame bar and line charts share: the opened SVG, the legend (when several series),
    the value axis with its grid; returns (parts, legend parts, pixels per unit, baseline y)."""
    many = len(chart.series) > 1
    labels = SMALL * LINE * label_lines
    legend_parts, legend_bottom = (
        _legend(chart.series, top + plot_height + 36 + labels)
        if many
        else ([], top + plot_height + 24 + labels)
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
        parts.append(
            _text(left - 6, y + 4, format_value(tick, chart.unit), anchor="end", size=SMALL)
        )
    return parts, legend_parts, scale, base


def _bar(chart: Chart) -> list[str]:
    """Vertical bars, one group per category, one bar per series in the group."""
    left, right, top, plot_height = 64.0, 10.0, 20.0, 200.0
    slot = (WIDTH - left - right) / len(chart.categories)
    label_lines = [wrap(category, slot - 4, SMALL) for category in chart.categories]
    parts, legend_parts, scale, base = _vertical_frame(
        chart, left, right, top, plot_height, max(len(lines) for lines in label_lines)
    )
    bar = min(48.0, slot * 0.8 / len(chart.series))
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
            shown = format_value(value, chart.unit)
            if text_width(shown, SMALL) <= max(bar, slot / len(chart.series)):
                parts.append(
                    _text(x + (bar - 2) / 2, base - height - 4, shown, anchor="middle", size=SMALL)
                )
        parts.append(
            _text(
                left + c_index * slot + slot / 2,
                base + 16,
                label_lines[c_index],
                anchor="middle",
                size=SMALL,
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
            WIDTH - right - 2, y - 4, label, anchor="end", size=SMALL, weight="bold", fill="#8a3300"
        ),
    ]


def _rows(
    categories: Sequence[str], label_width: float, minimum: float
) -> list[tuple[float, float, list[str]]]:
    """(top y, row height, label lines) of each row: a long name takes more lines, not less text."""
    rows = []
    y = 10.0
    for category in categories:
        lines = wrap(category, label_width - 14, NORMAL)
        height = max(minimum, NORMAL * LINE * len(lines) + 10)
        rows.append((y, height, lines))
        y += height
    return rows


def _label_y(y: float, height: float, lines: list[str]) -> float:
    """The first baseline that centres ``lines`` in a row."""
    block = NORMAL * LINE * (len(lines) - 1)
    return y + height / 2 - block / 2 + NORMAL * 0.35


def _hbar(chart: Chart) -> list[str]:
    """Horizontal bars (long category names: countries, providers), one series."""
    label_width, right = 210.0, 80.0
    values = chart.series[0].values
    rows = _rows(chart.categories, label_width, 24.0)
    height = rows[-1][0] + rows[-1][1] + 10
    parts = _open(chart, height)
    maximum = max(max(values, default=0), chart.reference or 0)
    scale = (WIDTH - label_width - right) / (maximum or 1)
    for index, (category, (y, row, lines)) in enumerate(zip(chart.categories, rows, strict=True)):
        value = values[index]
        middle = y + row / 2
        parts.append(_text(label_width - 8, _label_y(y, row, lines), lines, anchor="end"))
        parts.append(
            f'<rect x="{label_width}" y="{middle - 9:.1f}" width="{value * scale:.1f}" height="18" '
            f'fill="{PALETTE[0]}"><title>{escape(category)}: {escape(format_value(value, chart.unit))}</title></rect>'
        )
        parts.append(
            _text(label_width + value * scale + 6, middle + 4, format_value(value, chart.unit))
        )
    parts.append(
        f'<line x1="{label_width}" y1="10" x2="{label_width}" y2="{height - 10:.1f}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return parts


def _stacked(chart: Chart) -> list[str]:
    """Horizontal stacked bars: each category's total split by series (e.g. referral status)."""
    label_width, right = 170.0, 70.0
    rows = _rows(chart.categories, label_width, 26.0)
    legend_parts, legend_bottom = _legend(chart.series, rows[-1][0] + rows[-1][1] + 24)
    parts = _open(chart, legend_bottom + 4)
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    scale = (WIDTH - label_width - right) / (max(totals) or 1)
    for index, (category, (y, row, lines)) in enumerate(zip(chart.categories, rows, strict=True)):
        x = label_width
        middle = y + row / 2
        parts.append(_text(label_width - 8, _label_y(y, row, lines), lines, anchor="end"))
        for s_index, s in enumerate(chart.series):
            value = s.values[index]
            if not value:
                continue
            width = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{middle - 10:.1f}" width="{width:.1f}" height="20" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(category)}, {escape(s.label)}: {escape(format_value(value, chart.unit))}</title></rect>"
            )
            shown = format_value(value)
            if text_width(shown, SMALL) + 6 <= width:
                parts.append(
                    _text(
                        x + width / 2,
                        middle + 4,
                        shown,
                        anchor="middle",
                        size=SMALL,
                        fill="#ffffff" if s_index in (0, 5, 7) else INK,
                    )
                )
            x += width
        parts.append(
            _text(x + 6, middle + 4, format_value(totals[index], chart.unit), weight="bold")
        )
    parts.extend(legend_parts)
    parts.append("</svg>")
    return parts


def _inside(x: float, lines: list[str], size: float) -> tuple[float, str]:
    """Where to anchor a label centred on ``x`` so that it stays inside the drawing."""
    half = max(text_width(line, size) for line in lines) / 2
    if x + half > WIDTH - 2:
        return WIDTH - 2, "end"
    if x - half < 2:
        return 2, "start"
    return x, "middle"


def _line(chart: Chart) -> list[str]:
    """Lines over ordered categories (months), one per series, every point labelled."""
    left, right, top, plot_height = 64.0, 36.0, 20.0, 200.0
    count = len(chart.categories)
    step = (WIDTH - left - right - 20) / max(count - 1, 1)
    every = max(1, math.ceil(count / 12))
    label_lines = [wrap(category, step * every - 4, SMALL) for category in chart.categories]
    parts, legend_parts, scale, base = _vertical_frame(
        chart, left, right, top, plot_height, max(len(lines) for lines in label_lines)
    )

    def x_of(index: int) -> float:
        return left + 10 + index * step

    for index in range(len(chart.categories)):
        if index % every == 0:
            x, anchor = _inside(x_of(index), label_lines[index], SMALL)
            parts.append(_text(x, base + 16, label_lines[index], anchor=anchor, size=SMALL))
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
                        size=SMALL,
                    )
                )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.extend(_reference(chart, left, right, base, scale))
    parts.extend(legend_parts)
    parts.append("</svg>")
    return parts
