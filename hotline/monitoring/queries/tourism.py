"""Travel and tourism cases and what the authorities did with them.

Counts come from ``hotline.tourism.queries`` (the tourism app's own definitions); the
answer times are read here from the step timestamps of travel reports' ``routing.Referral``s.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy

from hotline.monitoring.periods import Period
from hotline.monitoring.queries._common import Count, Share, country_label, in_period, percentile
from hotline.routing.models import OUTCOMES, Ground, ReferralStatus
from hotline.tourism import queries as tourism
from hotline.tourism.models import TravelReport

# The timestamps of a referral's answers, earliest meaningful first.
ANSWER_FIELDS = (
    "acknowledged_at",
    "investigation_opened_at",
    "suspect_identified_at",
    "charged_at",
    "concluded_at",
)


def _their_period(period: Period) -> tourism.Period:
    return tourism.Period(period.since, period.until)


@dataclass(frozen=True)
class TravelCases:
    received: int
    by_ground: list[Count]
    by_country: list[Count]
    awaiting_follow_up: int
    median_days_to_answer: float | None


def travel_cases(period: Period) -> TravelCases:
    """Travel reports received in the period, where the offences happened, the referrals sent
    (by ground), and how long authorities took to give a first answer (median, days)."""
    theirs = _their_period(period)
    sent = tourism.referrals_sent(theirs)
    countries = Counter(
        TravelReport.objects.filter(**in_period(period, "report__received_at")).values_list(
            "country", flat=True
        )
    )
    waits = []
    for sent_at, *answers in (
        tourism.travel_referrals()
        .filter(**in_period(period, "sent_at"))
        .values_list("sent_at", *ANSWER_FIELDS)
    ):
        first = min((a for a in answers if a is not None), default=None)
        if first is not None:
            waits.append((first - sent_at) / timedelta(days=1))
    median = percentile(waits, 50)
    return TravelCases(
        received=tourism.travel_reports_received(theirs),
        by_ground=[Count(str(k), str(Ground(k).label), n) for k, n in sent.items()],
        by_country=[
            Count(code, country_label(code), n)
            for code, n in sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        awaiting_follow_up=tourism.referrals_awaiting_follow_up(),
        median_days_to_answer=None if median is None else round(median, 1),
    )


def enforcement_outcomes(period: Period) -> list[Count]:
    """How many travel referrals reached each step in the period (a referral acknowledged and
    then charged counts under both); "no action" is shown so non-enforcement is visible."""
    counts = tourism.outcome_counts(_their_period(period))
    return [Count(str(key), str(ReferralStatus(key).label), counts[key]) for key in OUTCOMES]


CODE_LABELS = {
    "companies": gettext_lazy("Companies registered"),
    "members": gettext_lazy("Members of The Code"),
    "in_good_standing": gettext_lazy("Members in good standing"),
    "overdue": gettext_lazy("Members overdue with their annual report"),
}


def code_members(today: datetime | None = None) -> list[Count]:
    """The Code's members today: in good standing, overdue with their annual report."""
    day = timezone.localdate(today) if today else None
    counts = tourism.code_counts(day)
    return [Count(key, str(label), counts[key]) for key, label in CODE_LABELS.items()]


def travel_referrals_answered_within(
    period: Period, window: timedelta, *, now: datetime | None = None
) -> Share:
    """Travel referrals sent in the period that got a first answer within ``window``.

    A referral still unanswered whose window has not yet passed is not counted either way.
    """
    now = now or timezone.now()
    within = eligible = 0
    for sent_at, *answers in (
        tourism.travel_referrals()
        .filter(**in_period(period, "sent_at"))
        .values_list("sent_at", *ANSWER_FIELDS)
    ):
        first = min((a for a in answers if a is not None), default=None)
        if first is None and sent_at + window > now:
            continue
        eligible += 1
        if first is not None and first - sent_at <= window:
            within += 1
    return Share(within, eligible)
