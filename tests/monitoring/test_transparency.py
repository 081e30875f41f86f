"""The public page: aggregated figures for whole years, small counts never shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.cases.models import Channel, Concern
from hotline.monitoring import transparency
from hotline.monitoring.queries import Count
from tests.conftest import World
from tests.monitoring import dataset

YEAR = transparency.latest_published_year()


def _reports(concern: str, n: int, channel: str = Channel.PUBLIC_WEB) -> None:
    for day in range(n):
        dataset.report(datetime(YEAR, 5, 1 + day, tzinfo=UTC), channel, concern)


@pytest.fixture
def published(db: None) -> None:
    # csam 12, sextortion 6, grooming 3: "3" must never appear, nor be derivable from 21.
    _reports(Concern.CSAM, 12)
    _reports(Concern.SEXTORTION, 6, Channel.COMPANY_API)
    _reports(Concern.GROOMING, 3)


def _texts(cells: list[transparency.PublicCell]) -> list[tuple[str, str]]:
    return [(c.label, c.text) for c in cells]


def test_breakdown_suppresses_small_counts_and_one_more() -> None:
    counts = [Count("a", "A", 12), Count("b", "B", 3), Count("c", "C", 0), Count("d", "D", 7)]

    cells = transparency.publish_breakdown(counts, limit=5)

    assert _texts(cells) == [("A", "12"), ("B", "fewer than 5"), ("C", "fewer than 5"), ("D", "7")]


def test_breakdown_with_two_small_counts_needs_no_second_suppression() -> None:
    counts = [Count("a", "A", 12), Count("b", "B", 3), Count("c", "C", 1), Count("d", "D", 0)]

    cells = transparency.publish_breakdown(counts, limit=5)

    assert _texts(cells) == [("A", "12"), ("B", "fewer than 5"), ("C", "fewer than 5"), ("D", "0")]


def test_public_figures_suppress_small_counts(published: None) -> None:
    figures = transparency.public_figures(YEAR)

    assert figures.reports_total.text == "21"
    assert _texts(figures.by_concern) == [
        ("Child sexual abuse material (images or videos)", "12"),
        ("Grooming or enticement of a child", "fewer than 5"),
        ("Sextortion (threats to share sexual images)", "6"),
        ("Child sex trafficking", "fewer than 5"),
        ("Sexual exploitation of children by a traveller", "0"),
        ("Something else", "0"),
    ]
    assert _texts(figures.by_channel) == [
        ("Public web form", "15"),
        ("Company intake API", "6"),
        ("Partner hotline", "0"),
        ("Entered by staff", "0"),
    ]


def test_public_page_never_shows_a_small_count(published: None) -> None:
    response = Client().get(reverse("monitoring:transparency"), {"year": YEAR})

    body = response.content.decode()
    cells = re.findall(r'<td class="num( suppressed)?">([^<]*)</td>', body)
    assert response.status_code == 200
    assert [text for _flag, text in cells if _flag] == ["fewer than 5"] * 2
    assert "3" not in [text for _flag, text in cells]


def test_threshold_is_configurable(published: None, settings: object) -> None:
    settings.MONITORING_SMALL_COUNT_THRESHOLD = 3  # type: ignore[attr-defined]

    figures = transparency.public_figures(YEAR)

    assert [c.text for c in figures.by_concern][:3] == ["12", "3", "6"]


def test_removal_figures_published_at_the_default_threshold(world: World) -> None:
    dataset.build(world.alice)
    # 2025: 7 illegal items, 6 removed; hosting split 3 / 3 / 1, all small.
    figures = transparency.public_figures(2025)

    assert (figures.median_hours, figures.within_3_days_percent) == (51.0, 57.1)
    assert _texts(figures.hosting) == [
        ("Hosted in our country", "fewer than 5"),
        ("Hosted abroad", "fewer than 5"),
        ("Hosting country unknown", "fewer than 5"),
    ]


def test_removal_figures_withheld_with_a_higher_threshold(world: World, settings: object) -> None:
    dataset.build(world.alice)
    settings.MONITORING_SMALL_COUNT_THRESHOLD = 10  # type: ignore[attr-defined]

    figures = transparency.public_figures(2025)

    assert (figures.median_hours, figures.within_3_days_percent) == (None, None)


def test_public_page_publishes_complete_years_only(db: None) -> None:
    response = Client().get(reverse("monitoring:transparency"), {"year": YEAR + 1})

    assert response.status_code == 400
    assert response.context["year"] == YEAR
    assert response.context["form"].errors["year"] == [
        f"Select a valid choice. {YEAR + 1} is not one of the available choices."
    ]


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_threshold_setting_is_read_defensively(settings: object, value: str) -> None:
    settings.MONITORING_SMALL_COUNT_THRESHOLD = value  # type: ignore[attr-defined]

    assert transparency.threshold() == (5 if value == "many" else 1)


@pytest.mark.django_db
def test_page_opens_on_the_last_complete_year_with_reports() -> None:
    # Reports two years ago, none last year: the page opens on the year with figures, and
    # offers only the years since the first report, not every year back to 2000.
    dataset.report(datetime(YEAR - 1, 3, 1, tzinfo=UTC), Channel.PUBLIC_WEB, Concern.CSAM)

    response = Client().get(reverse("monitoring:transparency"))

    assert response.context["year"] == YEAR - 1
    assert [int(value) for value, _label in response.context["form"].fields["year"].choices] == [
        YEAR,
        YEAR - 1,
    ]


@pytest.mark.django_db
def test_page_without_any_report_offers_the_last_complete_year_only() -> None:
    response = Client().get(reverse("monitoring:transparency"))

    assert response.context["year"] == YEAR
    assert response.context["form"].fields["year"].choices == [(YEAR, str(YEAR))]


@pytest.mark.django_db
def test_reports_of_the_current_year_do_not_open_an_unfinished_year() -> None:
    dataset.report(datetime(YEAR + 1, 1, 2, tzinfo=UTC), Channel.PUBLIC_WEB, Concern.CSAM)

    response = Client().get(reverse("monitoring:transparency"))

    assert response.context["year"] == YEAR
    assert response.context["form"].fields["year"].choices == [(YEAR, str(YEAR))]
