"""Referrals and their outcomes; feed consumers' pulls."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count as DbCount
from django.db.models import Max, Min
from django.db.models.fields.json import KT
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.monitoring.periods import Period
from hotline.monitoring.queries._common import (
    FEED_PULL_ACTION_PREFIX,
    Share,
    in_period,
    percentile,
)
from hotline.routing.models import Destination, Referral, ReferralStatus

# --- referrals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    destination: str
    label: str
    by_status: dict[str, int]
    answered: int
    median_days_to_answer: float | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def referral_outcomes(period: Period) -> list[ReferralRow]:
    """Referrals created in the period, by destination and current status.

    ``answered``: acknowledged, acted on or closed by the recipient (the earliest of those
    timestamps); the median counts days from sending to that first answer.
    """
    rows = Referral.objects.filter(**in_period(period, "created_at")).values_list(
        "destination", "status", "sent_at", "acknowledged_at", "acted_on_at", "closed_at"
    )
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    waits: dict[str, list[float]] = defaultdict(list)
    answered: Counter[str] = Counter()
    for destination, status, sent, acknowledged, acted, closed in rows:
        statuses[destination][status] += 1
        first_answer = min(
            (t for t in (acknowledged, acted, closed) if t is not None), default=None
        )
        if first_answer is not None and status != ReferralStatus.CANCELLED:
            answered[destination] += 1
            if sent is not None:
                waits[destination].append((first_answer - sent) / timedelta(days=1))
    result = []
    for value, label in Destination.choices:
        if value not in statuses:
            continue
        median = percentile(waits[value], 50)
        result.append(
            ReferralRow(
                value,
                str(label),
                {s: statuses[value].get(s, 0) for s in ReferralStatus.values},
                answered[value],
                None if median is None else round(median, 1),
            )
        )
    return result


def answered_within(
    period: Period,
    window: timedelta,
    *,
    destination: str | None = None,
    now: datetime | None = None,
) -> Share:
    """Referrals sent in the period answered within ``window`` of being sent.

    A referral still unanswered whose window has not yet passed is not counted either way;
    cancelled referrals are left out.
    """
    now = now or timezone.now()
    rows = Referral.objects.filter(**in_period(period, "sent_at")).exclude(
        status=ReferralStatus.CANCELLED
    )
    if destination:
        rows = rows.filter(destination=destination)
    within = eligible = 0
    for sent, acknowledged, acted, closed in rows.values_list(
        "sent_at", "acknowledged_at", "acted_on_at", "closed_at"
    ):
        first_answer = min(
            (t for t in (acknowledged, acted, closed) if t is not None), default=None
        )
        if sent is None or (first_answer is None and sent + window > now):
            continue
        eligible += 1
        if first_answer is not None and first_answer - sent <= window:
            within += 1
    return Share(within, eligible)


# --- feed consumers -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedPulls:
    consumer: str
    feed: str
    pulls: int
    first: datetime
    last: datetime


def feed_pulls(period: Period, prefix: str = FEED_PULL_ACTION_PREFIX) -> list[FeedPulls]:
    """Pulls of each feed by each consumer: the audit events the feeds app records for every
    pull (action starting with ``prefix``), grouped by the consumer's organisation (or the
    client, when it has none) and the feed named in the event (else the action's suffix)."""
    rows = (
        AuditEvent.objects.filter(action__startswith=prefix, **in_period(period, "at"))
        .annotate(feed=KT("detail__feed"))
        .values("organisation", "actor", "action", "feed")
        .annotate(pulls=DbCount("pk"), first=Min("at"), last=Max("at"))
    )
    grouped: dict[tuple[str, str], FeedPulls] = {}
    for row in rows:
        key = (
            row["organisation"] or row["actor"],
            str(row["feed"] or row["action"].removeprefix(prefix).lstrip(".") or row["action"]),
        )
        seen = grouped.get(key)
        if seen is None:
            grouped[key] = FeedPulls(key[0], key[1], row["pulls"], row["first"], row["last"])
        else:
            grouped[key] = FeedPulls(
                key[0],
                key[1],
                seen.pulls + row["pulls"],
                min(seen.first, row["first"]),
                max(seen.last, row["last"]),
            )
    return sorted(grouped.values(), key=lambda f: (-f.pulls, f.consumer, f.feed))
