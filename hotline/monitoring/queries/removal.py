"""Time from first report to confirmed removal, overall, per month and per hosting provider."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.cases.models import Assessment
from hotline.monitoring.periods import Period
from hotline.monitoring.queries._common import (
    FINAL,
    ILLEGAL,
    REMOVAL_THRESHOLDS,
    Count,
    Share,
    hours,
    in_period,
    notice_providers,
    percentile,
)
from hotline.takedown.models import Timeline

# --- time to removal ------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    items: int
    removed: int
    median_hours: float | None
    p90_hours: float | None
    shares: dict[str, Share] = field(default_factory=dict)

    @property
    def still_online(self) -> int:
        return self.items - self.removed


@dataclass(frozen=True)
class _Removable:
    item_id: int
    received_at: datetime
    removed_at: datetime | None
    country: str

    @property
    def duration(self) -> timedelta | None:
        return None if self.removed_at is None else self.removed_at - self.received_at


def _removables(period: Period, *, country: str | None = None) -> list[_Removable]:
    """Illegal items received in the period with their timeline (the time-to-removal base).

    An item belongs when its latest final verdict (whenever given) is illegal and its
    timeline's ``received_at`` falls in the period.
    """
    timelines = Timeline.objects.filter(**in_period(period, "received_at"))
    if country is not None:
        timelines = timelines.filter(item__hosting_country=country)
    verdicts: dict[int, str] = {}
    for item_id, legality in (
        Assessment.objects.filter(
            confirmation__in=FINAL, **in_period(period, "item__timeline__received_at")
        )
        .order_by("item_id", "created_at", "pk")
        .values_list("item_id", "legality")
    ):
        verdicts[item_id] = legality
    return [
        _Removable(item_id, received, removed, hosting_country)
        for item_id, received, removed, hosting_country in timelines.order_by(
            "item_id"
        ).values_list("item_id", "received_at", "removed_at", "item__hosting_country")
        if verdicts.get(item_id) in ILLEGAL
    ]


def _share(rows: Sequence[_Removable], window: timedelta, now: datetime) -> Share:
    # An item still online whose window has not yet passed is not counted either way.
    eligible = [r for r in rows if r.removed_at is not None or r.received_at + window <= now]
    within = [r for r in eligible if r.duration is not None and r.duration <= window]
    return Share(len(within), len(eligible))


def _summarise(rows: Sequence[_Removable], now: datetime) -> Removal:
    durations = [hours(r.duration) for r in rows if r.duration is not None]
    shares = {key: _share(rows, window, now) for key, window in REMOVAL_THRESHOLDS}
    return Removal(
        items=len(rows),
        removed=len(durations),
        median_hours=percentile(durations, 50),
        p90_hours=percentile(durations, 90),
        shares=shares,
    )


def time_to_removal(
    period: Period, *, country: str | None = None, now: datetime | None = None
) -> Removal:
    """Time from first report to confirmed removal for illegal items received in the period.

    Median and 90th percentile over the items removed so far (in hours). The shares removed
    within 24 hours, 3 days and 7 days count every item whose window has passed: an item
    still online after the window counts as not removed in time. ``country`` limits the
    items to one hosting country (``home_country()`` for domestically hosted material).
    """
    return _summarise(_removables(period, country=country), now or timezone.now())


def removed_within(
    period: Period, window: timedelta, *, country: str | None = None, now: datetime | None = None
) -> Share:
    """The share of illegal items received in the period removed within ``window``
    (same base and rules as ``time_to_removal``), for any window."""
    return _share(_removables(period, country=country), window, now or timezone.now())


REMOVAL_BUCKETS = (
    ("le24h", timedelta(hours=24)),
    ("1-3d", timedelta(days=3)),
    ("3-7d", timedelta(days=7)),
    ("7-30d", timedelta(days=30)),
)


def removal_distribution(period: Period) -> list[Count]:
    """How long removal took, in bands, for the same items; the last band is still online."""
    labels = {
        "le24h": _("Within 24 hours"),
        "1-3d": _("1 to 3 days"),
        "3-7d": _("3 to 7 days"),
        "7-30d": _("7 to 30 days"),
        "gt30d": _("More than 30 days"),
        "online": _("Not removed yet"),
    }
    counts: Counter[str] = Counter()
    for row in _removables(period):
        duration = row.duration
        if duration is None:
            counts["online"] += 1
        else:
            counts[next((k for k, limit in REMOVAL_BUCKETS if duration <= limit), "gt30d")] += 1
    return [Count(key, str(label), counts.get(key, 0)) for key, label in labels.items()]


def removal_by_month(period: Period, now: datetime | None = None) -> list[tuple[str, Removal]]:
    """Time to removal for the items received in each month of the period."""
    now = now or timezone.now()
    rows = _removables(period)
    result = []
    for month in period.months():
        in_month = [r for r in rows if month.since <= r.received_at < month.until]
        result.append((month.start.strftime("%Y-%m"), _summarise(in_month, now)))
    return result


@dataclass(frozen=True)
class ProviderRemoval:
    provider: str
    items: int
    removed: int
    median_hours: float | None

    @property
    def still_online(self) -> int:
        return self.items - self.removed


def slowest_providers(period: Period, limit: int = 10) -> list[ProviderRemoval]:
    """Hosting providers by median time to removal, slowest first.

    Providers with items still online come first among equals (an item never removed is
    slower than any removal); the provider is the one the item's notice went to.
    """
    rows = _removables(period)
    providers = notice_providers(r.item_id for r in rows)
    grouped: dict[str, list[_Removable]] = defaultdict(list)
    for row in rows:
        if row.item_id in providers:
            grouped[providers[row.item_id]].append(row)
    result = []
    for name, items in grouped.items():
        durations = [hours(r.duration) for r in items if r.duration is not None]
        result.append(ProviderRemoval(name, len(items), len(durations), percentile(durations, 50)))
    result.sort(
        key=lambda p: (
            -(p.median_hours if p.median_hours is not None else math.inf),
            -p.still_online,
            p.provider,
        )
    )
    return result[:limit]
