"""The dashboard and its CSV exports: period filter, charts, tables, no inline style."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hotline.monitoring import charts, figures
from hotline.monitoring.exports import csv_text
from hotline.monitoring.periods import Period
from tests.conftest import World, signed_in
from tests.monitoring import dataset

YEAR_QUERY = {"from": "2025-01-01", "to": "2025-12-31"}


def test_dashboard_shows_every_figure_for_the_period(world: World) -> None:
    dataset.build(world.alice)

    response = signed_in(world.charlie).get(reverse("monitoring:dashboard"), YEAR_QUERY)

    assert response.status_code == 200
    assert response.context["period"] == Period.year(2025)
    shown = [f.key for _title, section in response.context["sections"] for f in section]
    assert shown == [key for _title, keys in figures.SECTIONS for key in keys]
    body = response.content.decode()
    assert body.count("<svg ") == len(shown)
    assert re.findall(r"\sstyle=", body) == []


def test_dashboard_defaults_to_the_last_twelve_months(world: World) -> None:
    response = signed_in(world.charlie).get(reverse("monitoring:dashboard"))

    assert response.context["period"] == Period.last_twelve_months()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2025-13-01"}, "from", "Enter a date such as 2026-01-31."),
        ({"from": "yesterday", "to": "2025-01-01"}, "from", "Enter a date such as 2026-01-31."),
        (
            {"from": "2025-06-01", "to": "2025-01-01"},
            "to",
            "The end of the period comes before its start.",
        ),
        ({"from": "1999-12-31"}, "from", "Enter a date between 2000-01-01 and next year."),
    ],
)
def test_dashboard_with_bad_dates_shows_a_form_error(
    world: World, query: dict[str, str], field: str, message: str
) -> None:
    response = signed_in(world.charlie).get(reverse("monitoring:dashboard"), query)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert "sections" not in response.context


def test_export_is_the_figure_table_as_csv(world: World) -> None:
    dataset.build(world.alice)
    url = reverse("monitoring:export", kwargs={"key": "reports_by_channel"})

    response = signed_in(world.charlie).get(url, YEAR_QUERY)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="reports_by_channel-2025-01-01-2025-12-31.csv"'
    )
    assert response.content.decode() == (
        "Channel,Count\r\n"
        "Public web form,3\r\n"
        "Company intake API,1\r\n"
        "Partner hotline,1\r\n"
        "Entered by staff,0\r\n"
    )


def test_export_of_removal_summary_has_both_scopes(world: World) -> None:
    dataset.build(world.alice)

    table = figures.build("removal_summary", Period.year(2025), now=dataset.NOW).table

    assert table.rows == (
        ("Illegal items received", 7, 3),
        ("Removed", 6, 3),
        ("Still online", 1, 0),
        ("Median time to removal (hours)", 51.0, 30.0),
        ("90th percentile (hours)", 150.0, 86.0),
        ("Removed within 24 hours (%)", 28.6, 33.3),
        ("Removed within 3 days (%)", 57.1, 66.7),
        ("Removed within 7 days (%)", 71.4, 100.0),
    )


def test_export_of_unknown_table_is_not_found(world: World) -> None:
    url = reverse("monitoring:export", kwargs={"key": "nothing"})

    assert signed_in(world.charlie).get(url).status_code == 404


def test_export_with_bad_dates_is_refused_with_the_reason(world: World) -> None:
    url = reverse("monitoring:export", kwargs={"key": "backlog"})

    response = signed_in(world.charlie).get(url, {"to": "2025-02-30"})

    assert response.status_code == 400
    assert response.content.decode() == "to: Enter a date such as 2026-01-31."


def test_csv_neutralises_spreadsheet_formulas() -> None:
    text = csv_text(("name", "n"), [("=HYPERLINK(1)", -3), ("@host", 1), ("plain", None)])

    assert text == "name,n\r\n'=HYPERLINK(1),-3\r\n'@host,1\r\nplain,\r\n"


def test_chart_is_accessible_svg_without_inline_style() -> None:
    chart = charts.Chart(
        key="t",
        kind="hbar",
        title="Reports <by> type",
        description="A description",
        categories=("a", "b"),
        series=(charts.Series("Count", (3.0, 5.0)),),
    )

    svg = str(charts.render(chart))

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"')
    assert '<title id="t-title">Reports &lt;by&gt; type</title>' in svg
    assert re.findall(r">(\d+)</text>", svg) == ["3", "5"]
    assert "style=" not in svg


@pytest.mark.parametrize("kind", ["bar", "hbar", "stacked", "line"])
def test_chart_without_data_says_so(kind: str) -> None:
    chart = charts.Chart("e", kind, "Empty", "Nothing", ("a",), (charts.Series("s", (0.0,)),))

    svg = str(charts.render(chart))

    assert re.findall(r"<text[^>]*>([^<]*)</text>", svg) == ["No data for this period."]


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1.0), (0.7, 1.0), (3, 5.0), (7, 10.0), (11, 20.0), (180, 200.0), (230, 250.0)],
)
def test_nice_ceiling_rounds_up_to_a_readable_scale(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == ceiling
