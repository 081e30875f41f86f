"""Public figures: aggregated, whole calendar years only, small counts suppressed.

No individual case may be inferred from the public page:

- counts from 1 to ``MONITORING_SMALL_COUNT_THRESHOLD - 1`` (default threshold 5) are shown
  as "fewer than N";
- where a table shows a total, one suppressed cell could be computed back from the total
  and the others, so the smallest other cell is suppressed too (complementary suppression);
- percentages and medians are published only when they rest on at least N items;
- only complete calendar years are published, so comparing the page from one day to the
  next reveals nothing about a single day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.cases.models import Report
from hotline.monitoring import queries
from hotline.monitoring.periods import Period
from hotline.monitoring.queries import Count

DEFAULT_THRESHOLD = 5
FIRST_YEAR = 2000


def threshold() -> int:
    """The smallest count published as it is (``MONITORING_SMALL_COUNT_THRESHOLD``)."""
    try:
        value = int(settings.MONITORING_SMALL_COUNT_THRESHOLD)
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD
    return max(value, 1)


@dataclass(frozen=True)
class PublicCell:
    label: str
    value: int | None  # None: suppressed
    limit: int

    @property
    def text(self) -> str:
        if self.value is None:
            return _("fewer than %(n)s") % {"n": self.limit}
        return f"{self.value:,}"

    @property
    def suppressed(self) -> bool:
        return self.value is None


def _small(n: int, limit: int) -> bool:
    return 0 < n < limit


def publish_count(label: str, n: int, limit: int | None = None) -> PublicCell:
    limit = limit or threshold()
    return PublicCell(label, None if _small(n, limit) else n, limit)


def publish_breakdown(counts: Sequence[Count], limit: int | None = None) -> list[PublicCell]:
    """A breakdown whose total is published: small cells suppressed, and never exactly one."""
    limit = limit or threshold()
    hidden = {i for i, c in enumerate(counts) if _small(c.count, limit)}
    if len(hidden) == 1:
        others = [i for i in range(len(counts)) if i not in hidden]
        if others:
            hidden.add(min(others, key=lambda i: (counts[i].count, i)))
    return [
        PublicCell(c.label, None if i in hidden else c.count, limit) for i, c in enumerate(counts)
    ]


def latest_published_year(today: date | None = None) -> int:
    return (today or timezone.localdate()).year - 1


def years_with_reports() -> list[int]:
    """Every calendar year in which at least one report was received, newest first."""
    return sorted(
        {moment.year for moment in Report.objects.datetimes("received_at", "year")},
        reverse=True,
    )


def published_years(today: date | None = None) -> list[int]:
    """The complete years the page may show, newest first: from the first year with a report
    (never back to years before the instance existed) to the last complete one."""
    latest = latest_published_year(today)
    with_data = years_with_reports()
    first = max(min(with_data, default=latest), FIRST_YEAR)
    return list(range(latest, min(first, latest) - 1, -1))


def default_year(years: list[int]) -> int:
    """The year the page opens on: the last complete year that has reports (not a year of
    zeros), else the last complete year."""
    with_data = set(years_with_reports())
    return next((year for year in years if year in with_data), years[0])


@dataclass(frozen=True)
class PublicFigures:
    year: int
    limit: int
    reports_total: PublicCell
    by_concern: list[PublicCell]
    by_channel: list[PublicCell]
    assessed_total: PublicCell
    illegal_total: PublicCell
    hosting: list[PublicCell]
    removal_items: PublicCell
    median_hours: float | None  # None: not published (too few removals)
    within_3_days_percent: float | None
    referrals: list[PublicCell]

    @property
    def headline(self) -> list[PublicCell]:
        return [self.reports_total, self.assessed_total, self.illegal_total]


def public_figures(year: int) -> PublicFigures:
    """Everything the public transparency page shows for one calendar year."""
    limit = threshold()
    period = Period.year(year)
    by_concern = queries.reports_by_concern(period)
    by_channel = queries.reports_by_channel(period)
    outcomes = queries.assessment_outcomes(period)
    illegal = sum(c.count for c in outcomes if c.key in queries.ILLEGAL)
    home = queries.home_country()
    countries = queries.hosting_countries(period)
    domestic = sum(c.count for c in countries if c.key == home)
    unknown = sum(c.count for c in countries if not c.key)
    hosting = [
        Count("home", _("Hosted in our country"), domestic),
        Count("abroad", _("Hosted abroad"), illegal - domestic - unknown),
        Count("unknown", _("Hosting country unknown"), unknown),
    ]
    removal = queries.time_to_removal(period)
    share = removal.shares["3d"]
    referrals = [Count(r.destination, r.label, r.total) for r in queries.referral_outcomes(period)]
    return PublicFigures(
        year=year,
        limit=limit,
        reports_total=publish_count(_("Reports received"), sum(c.count for c in by_concern), limit),
        by_concern=publish_breakdown(by_concern, limit),
        by_channel=publish_breakdown(by_channel, limit),
        assessed_total=publish_count(_("Items assessed"), sum(c.count for c in outcomes), limit),
        illegal_total=publish_count(_("Items judged illegal"), illegal, limit),
        hosting=publish_breakdown(hosting, limit),
        removal_items=publish_count(_("Illegal items followed to removal"), removal.items, limit),
        median_hours=(
            round(removal.median_hours, 1)
            if removal.median_hours is not None and removal.removed >= limit
            else None
        ),
        within_3_days_percent=share.percent if share.eligible >= limit else None,
        referrals=publish_breakdown(referrals, limit),
    )
