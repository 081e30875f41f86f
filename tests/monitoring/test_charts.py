"""Chart labels are never cut off: every text is whole and inside the drawing, at print size."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from hotline.monitoring import charts

SVG = "{http://www.w3.org/2000/svg}"
LONG = (
    "Bundesrepublik Deutschland (hosting outside the European Economic Area)",
    "Supercalifragilisticexpialidocious-hosting-provider-incorporated.example.test",
    "FR",
    "Nouvelle-Calédonie et dépendances",
)


def _chart(kind: str, categories: tuple[str, ...] = LONG, series: int = 1) -> charts.Chart:
    return charts.Chart(
        key=f"long-{kind}",
        kind=kind,
        title="Long labels",
        description="Synthetic labels longer than any real one",
        categories=categories,
        series=tuple(
            charts.Series(
                f"Series {n} with a rather long name for the legend, to wrap",
                tuple(float(3 + i * 7 + n) for i in range(len(categories))),
            )
            for n in range(series)
        ),
    )


def _texts(svg: str) -> list[tuple[float, str, str, float, list[str]]]:
    """(x, anchor, font size, y, lines) of every <text>."""
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own renderer's output
    found = []
    for text in root.iter(f"{SVG}text"):
        lines = [text.text or ""] + [span.text or "" for span in text.iter(f"{SVG}tspan")]
        found.append(
            (
                float(text.get("x", 0)),
                text.get("text-anchor", "start"),
                text.get("font-size", "12"),
                float(text.get("y", 0)),
                lines,
            )
        )
    return found


def _outside(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own renderer's output
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    problems = []
    for x, anchor, size, y, lines in _texts(svg):
        for line in lines:
            w = charts.text_width(line, float(size))
            left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            if left < 0 or left + w > width or y > height:
                problems.append(line)
    return problems


@pytest.mark.parametrize(("kind", "series"), [("hbar", 1), ("stacked", 3), ("bar", 2), ("line", 2)])
def test_long_labels_are_whole_and_inside_the_drawing(kind: str, series: int) -> None:
    svg = str(charts.render(_chart(kind, series=series)))
    drawn = " ".join(" ".join(lines) for *_rest, lines in _texts(svg))

    assert "…" not in svg
    assert _outside(svg) == []
    for category in LONG if kind != "line" else LONG[:1]:
        # every word of every label is drawn (a long word may be split across lines)
        assert all(word[:8] in drawn for word in category.split()), category


def test_no_text_is_smaller_than_print_size() -> None:
    sizes = {
        float(size)
        for kind in ("hbar", "stacked", "bar", "line")
        for _x, _a, size, _y, _l in _texts(str(charts.render(_chart(kind, series=2))))
    }

    # 11 drawing units print at 8.7 pt on A4 (640 units over 178 mm).
    assert min(sizes) >= 11


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("short", 200, ["short"]),
        ("two words here", 60, ["two", "words", "here"]),
        ("abcdefghijkl", 40, ["abcde", "fghij", "kl"]),
        ("2025-01", 40, ["2025-", "01"]),
        ("", 100, [""]),
    ],
)
def test_wrap_keeps_every_character(text: str, width: float, lines: list[str]) -> None:
    wrapped = charts.wrap(text, width, 12)

    assert wrapped == lines
    assert re.sub(r"\s", "", "".join(wrapped)) == re.sub(r"\s", "", text)
