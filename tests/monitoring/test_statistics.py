"""Every statistic on the known data set of tests/monitoring/dataset.py, computed by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hotline.accounts.models import ApiCredential
from hotline.audit.actions import record
from hotline.feeds.actions import audit_pull
from hotline.monitoring import queries
from hotline.monitoring.periods import Period
from hotline.monitoring.queries import Count, Share
from tests.conftest import World
from tests.monitoring import dataset
from tests.monitoring.dataset import NOW

P = Period.year(dataset.YEAR)


@pytest.fixture
def data(world: World) -> dataset.Dataset:
    return dataset.build(world.alice)


def _counts(rows: list[Count]) -> list[tuple[str, int]]:
    return [(row.key, row.count) for row in rows]


def test_percentile_interpolates_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]

    result = [queries.percentile(values, p) for p in (0, 50, 90, 100)]

    assert result == [1.0, 2.5, pytest.approx(3.7), 4.0]


def test_percentile_of_nothing_is_none() -> None:
    assert queries.percentile([], 50) is None


def test_reports_by_channel_counts_the_period_only(data: dataset.Dataset) -> None:
    assert _counts(queries.reports_by_channel(P)) == [
        ("public_web", 3),
        ("company_api", 1),
        ("partner", 1),
        ("staff", 0),
    ]


def test_reports_by_concern_lists_every_type(data: dataset.Dataset) -> None:
    assert _counts(queries.reports_by_concern(P)) == [
        ("csam", 3),
        ("grooming", 1),
        ("sextortion", 0),
        ("trafficking", 0),
        ("travel", 1),
        ("other", 0),
    ]


def test_reports_by_month_covers_every_month(data: dataset.Dataset) -> None:
    assert _counts(queries.reports_by_month(P)) == [
        ("2025-01", 2),
        ("2025-02", 1),
        ("2025-03", 2),
        *((f"2025-{m:02d}", 0) for m in range(4, 13)),
    ]


def test_assessment_outcomes_count_the_latest_final_verdict(data: dataset.Dataset) -> None:
    # i7 is pending, i11 rejected (neither counts); i6 doubtful then not illegal; i8 is 2024.
    assert _counts(queries.assessment_outcomes(P)) == [
        ("baseline", 5),
        ("national", 2),
        ("doubtful", 0),
        ("not_illegal", 1),
    ]


def test_illegal_by_severity_groups_by_scheme_category(data: dataset.Dataset) -> None:
    assert _counts(queries.illegal_by_severity(P)) == [
        ("inhope:baseline", 5),
        ("inhope:national", 2),
    ]


def test_backlog_ages_from_first_report(data: dataset.Dataset) -> None:
    dataset.backlog_items()

    backlog = queries.backlog(NOW)

    # i11 (162 days) and i7 (254 days, four eyes) plus 2 h, 2 d, 5 d (four eyes), 10 d.
    assert (backlog.waiting, backlog.awaiting_confirmation, backlog.total) == (4, 2, 6)
    assert _counts(backlog.by_age) == [
        ("lt1d", 1),
        ("1-3d", 1),
        ("3-7d", 1),
        ("7-30d", 1),
        ("gt30d", 2),
    ]
    assert backlog.median_age_hours == (120 + 240) / 2
    assert backlog.oldest_age_hours == 254 * 24


def test_hosting_countries_of_illegal_items(data: dataset.Dataset) -> None:
    assert _counts(queries.hosting_countries(P)) == [("DE", 3), ("FR", 3), ("", 1)]
    assert [c.label for c in queries.hosting_countries(P)] == [
        "Germany (DE)",
        "France (FR)",
        "Unknown",
    ]


def test_hosting_providers_by_notice(data: dataset.Dataset) -> None:
    rows = queries.hosting_providers(P)

    assert [(r.label, r.count) for r in rows] == [
        ("Host A", 2),
        ("Host B", 2),
        ("Host C", 2),
        ("No notice sent", 1),
    ]


def test_time_to_removal_overall(data: dataset.Dataset) -> None:
    removal = queries.time_to_removal(P, now=NOW)

    # removed after 10, 20, 30, 72, 100 and 200 hours; i5 still online.
    assert (removal.items, removal.removed, removal.still_online) == (7, 6, 1)
    assert removal.median_hours == (30 + 72) / 2
    assert removal.p90_hours == pytest.approx(100 + (200 - 100) * 0.5)
    assert removal.shares == {"24h": Share(2, 7), "3d": Share(4, 7), "7d": Share(5, 7)}
    assert [removal.shares[k].percent for k in ("24h", "3d", "7d")] == [28.6, 57.1, 71.4]


def test_time_to_removal_domestic(data: dataset.Dataset) -> None:
    removal = queries.time_to_removal(P, country="FR", now=NOW)

    # i1, i2, i3: 10, 30 and 100 hours.
    assert (removal.items, removal.removed) == (3, 3)
    assert removal.median_hours == 30
    assert removal.p90_hours == pytest.approx(30 + (100 - 30) * 0.8)
    assert removal.shares == {"24h": Share(1, 3), "3d": Share(2, 3), "7d": Share(3, 3)}


def test_time_to_removal_leaves_out_items_whose_window_is_still_open(
    data: dataset.Dataset,
) -> None:
    # Two days after i5 arrived its 3-day window is open: it counts for 24 hours only.
    removal = queries.time_to_removal(
        Period(date(2025, 3, 15), date(2025, 3, 15)), now=dataset.at(3, 17)
    )

    assert removal.shares == {"24h": Share(0, 1), "3d": Share(0, 0), "7d": Share(0, 0)}
    assert removal.shares["3d"].percent is None


def test_removal_distribution_bands(data: dataset.Dataset) -> None:
    assert _counts(queries.removal_distribution(P)) == [
        ("le24h", 2),
        ("1-3d", 2),
        ("3-7d", 1),
        ("7-30d", 1),
        ("gt30d", 0),
        ("online", 1),
    ]


def test_removal_by_month(data: dataset.Dataset) -> None:
    months = {
        month: (r.items, r.removed, r.median_hours, r.shares["3d"].percent)
        for month, r in queries.removal_by_month(P, now=NOW)
    }

    assert months["2025-01"] == (2, 2, 20.0, 100.0)
    assert months["2025-02"] == (1, 1, 100.0, 0.0)
    assert months["2025-03"] == (2, 1, 200.0, 0.0)
    assert months["2025-06"] == (1, 1, 72.0, 100.0)
    assert months["2025-07"] == (1, 1, 20.0, 100.0)
    assert months["2025-12"] == (0, 0, None, None)
    assert len(months) == 12


def test_slowest_providers_by_median(data: dataset.Dataset) -> None:
    rows = queries.slowest_providers(P)

    assert [(p.provider, p.items, p.removed, p.still_online, p.median_hours) for p in rows] == [
        ("Host B", 2, 2, 0, 150.0),
        ("Host C", 2, 1, 1, 20.0),
        ("Host A", 2, 2, 0, 20.0),
    ]


def test_removed_within_any_window(data: dataset.Dataset) -> None:
    assert queries.removed_within(P, timedelta(hours=30), now=NOW) == Share(3, 7)


def test_referral_outcomes_by_destination(data: dataset.Dataset) -> None:
    rows = {r.destination: r for r in queries.referral_outcomes(P)}

    assert list(rows) == ["police", "notice", "partner"]
    police = rows["police"]
    assert (police.total, police.answered, police.median_days_to_answer) == (3, 2, 6.0)
    assert {k: v for k, v in police.by_status.items() if v} == {
        "sent": 1,
        "acknowledged": 1,
        "acted_on": 1,
    }
    notice = rows["notice"]
    assert (notice.total, notice.answered, notice.median_days_to_answer) == (6, 1, 0.5)
    assert {k: v for k, v in notice.by_status.items() if v} == {"sent": 5, "closed": 1}
    partner = rows["partner"]
    assert (partner.total, partner.answered, partner.median_days_to_answer) == (1, 0, None)
    assert {k: v for k, v in partner.by_status.items() if v} == {"cancelled": 1}


def test_answered_within_counts_unanswered_after_the_window(data: dataset.Dataset) -> None:
    share = queries.answered_within(P, timedelta(days=60), destination="police", now=NOW)

    assert (share, share.percent) == (Share(2, 3), 66.7)


def test_feed_pulls_group_by_consumer_and_feed(world: World) -> None:
    isp = ApiCredential.objects.get(organisation=world.isp)
    partner = ApiCredential.objects.filter(organisation=world.hotline_b).order_by("pk")[0]
    for credential, feed, times in ((isp, "rpz", 3), (isp, "urls", 1), (partner, "rpz", 2)):
        for _ in range(times):
            audit_pull(credential, feed, serial=7)
    record("feeds.rpz.publish", actor=None)
    record("item.view", actor=world.alice)
    rows = queries.feed_pulls(Period.last_twelve_months())

    assert [(r.consumer, r.feed, r.pulls) for r in rows] == [
        ("ISP", "rpz", 3),
        ("Hotline B", "rpz", 2),
        ("ISP", "urls", 1),
    ]
