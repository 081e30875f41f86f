"""What every statistic shares: which verdicts count, percentiles, labels, period filters."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pycountry
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from hotline.cases.models import Confirmation, Legality
from hotline.monitoring.periods import Period
from hotline.routing.models import Destination, Referral, ReferralStatus

# A verdict counts once it is final: it needed no second opinion, or a supervisor confirmed it.
FINAL = (Confirmation.NOT_REQUIRED, Confirmation.CONFIRMED)
ILLEGAL = (Legality.BASELINE, Legality.NATIONAL)
# The feeds app records one audit event per pull ("feeds.pull", the feed in its detail).
FEED_PULL_ACTION_PREFIX = "feeds.pull"
HOUR = timedelta(hours=1)
REMOVAL_THRESHOLDS = (
    ("24h", timedelta(hours=24)),
    ("3d", timedelta(days=3)),
    ("7d", timedelta(days=7)),
)


@dataclass(frozen=True)
class Count:
    """One category of a breakdown: its stored value, its label and how many."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Share:
    """How many of the items whose window has passed were handled within it (removed, answered)."""

    within: int
    eligible: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.within / self.eligible, 1) if self.eligible else None


def country_label(code: str) -> str:
    if not code:
        return _("Unknown")
    entry = pycountry.countries.get(alpha_2=code.upper())
    return f"{entry.name} ({code.upper()})" if entry else code.upper()


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between closest ranks (Hyndman-Fan 7).

    The same as numpy's default and ``statistics.quantiles(method="inclusive")``: the
    median of an even count is the mean of the two middle values.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def breakdown(counts: Counter[str], choices: Iterable[tuple[str, str | Promise]]) -> list[Count]:
    """Every choice in its declared order (zeros included), then any unknown stored values."""
    rows = [Count(str(value), str(label), counts.get(str(value), 0)) for value, label in choices]
    known = {row.key for row in rows}
    rows += [
        Count(key, key or _("Unknown"), n) for key, n in sorted(counts.items()) if key not in known
    ]
    return rows


def notice_providers(item_ids: Iterable[int]) -> dict[int, str]:
    """The hosting provider each item's (live) notice referral went to."""
    providers: dict[int, str] = {}
    ids = list(item_ids)
    for start in range(0, len(ids), 500):
        rows = (
            Referral.objects.filter(
                destination=Destination.NOTICE,
                item_id__in=ids[start : start + 500],
                hosting_provider__isnull=False,
            )
            .exclude(status=ReferralStatus.CANCELLED)
            .order_by("created_at", "pk")
            .values_list("item_id", "hosting_provider__name")
        )
        for item_id, name in rows:
            providers.setdefault(item_id, name)
    return providers


def in_period(period: Period, field_name: str) -> dict[str, datetime]:
    return {f"{field_name}__gte": period.since, f"{field_name}__lt": period.until}


def hours(delta: timedelta) -> float:
    return delta / HOUR


def home_country() -> str:
    return str(settings.INSTANCE_COUNTRY).upper()
