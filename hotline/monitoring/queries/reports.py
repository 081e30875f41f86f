"""Reports received, assessment outcomes, the backlog, where illegal material is hosted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.cases.classification import SCHEMES
from hotline.cases.models import Assessment, Channel, Concern, Item, ItemStatus, Legality, Report
from hotline.monitoring.periods import Period
from hotline.monitoring.queries._common import (
    FINAL,
    ILLEGAL,
    Count,
    breakdown,
    country_label,
    hours,
    in_period,
    notice_providers,
    percentile,
)

# --- reports --------------------------------------------------------------------------------


def reports_by_channel(period: Period) -> list[Count]:
    """Reports received in the period (``Report.received_at``), by intake channel."""
    counts = Counter(
        Report.objects.filter(**in_period(period, "received_at")).values_list("channel", flat=True)
    )
    return breakdown(counts, Channel.choices)


def reports_by_concern(period: Period) -> list[Count]:
    """Reports received in the period, by what the reporter said it is about."""
    counts = Counter(
        Report.objects.filter(**in_period(period, "received_at")).values_list("concern", flat=True)
    )
    return breakdown(counts, Concern.choices)


def reports_by_month(period: Period) -> list[Count]:
    """Reports received in each calendar month the period touches."""
    received = Report.objects.filter(**in_period(period, "received_at")).values_list(
        "received_at", flat=True
    )
    counts = Counter(timezone.localtime(at).strftime("%Y-%m") for at in received)
    return [
        Count(
            m.start.strftime("%Y-%m"),
            m.start.strftime("%Y-%m"),
            counts.get(m.start.strftime("%Y-%m"), 0),
        )
        for m in period.months()
    ]


# --- assessments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    item_id: int
    legality: str
    scheme: str
    severity: str


def final_verdicts(period: Period) -> dict[int, Verdict]:
    """Per item, the latest final verdict given in the period (earlier ones are superseded)."""
    rows = (
        Assessment.objects.filter(confirmation__in=FINAL, **in_period(period, "created_at"))
        .order_by("item_id", "created_at", "pk")
        .values_list("item_id", "legality", "scheme", "severity")
    )
    return {item_id: Verdict(item_id, *rest) for item_id, *rest in rows}


def assessment_outcomes(period: Period) -> list[Count]:
    """Items given a final verdict in the period, by legality (latest verdict per item)."""
    counts = Counter(v.legality for v in final_verdicts(period).values())
    return breakdown(counts, Legality.choices)


def illegal_by_severity(period: Period) -> list[Count]:
    """Items judged illegal in the period, by severity category (scheme and category)."""
    counts = Counter(
        (v.scheme, v.severity) for v in final_verdicts(period).values() if v.legality in ILLEGAL
    )
    rows = []
    for (scheme_code, severity), n in sorted(counts.items()):
        scheme = SCHEMES.get(scheme_code)
        label = severity or _("Not recorded")
        if scheme is not None and severity:
            try:
                label = f"{scheme.label}: {scheme.category(severity).label}"
            except KeyError:
                label = f"{scheme.label}: {severity}"
        rows.append(Count(f"{scheme_code}:{severity}", str(label), n))
    return rows


# --- backlog --------------------------------------------------------------------------------

BACKLOG_BUCKETS = (
    ("lt1d", timedelta(days=1)),
    ("1-3d", timedelta(days=3)),
    ("3-7d", timedelta(days=7)),
    ("7-30d", timedelta(days=30)),
)


@dataclass(frozen=True)
class Backlog:
    """Items waiting for a verdict right now, and how long they have waited."""

    waiting: int
    awaiting_confirmation: int
    by_age: list[Count]
    median_age_hours: float | None
    oldest_age_hours: float | None

    @property
    def total(self) -> int:
        return self.waiting + self.awaiting_confirmation


def backlog(now: datetime | None = None) -> Backlog:
    """The queue as it stands at ``now``: items waiting for assessment or for a confirmation.

    Age is measured from the item's first report. The backlog is a state, not a flow: the
    dashboard's period does not filter it.
    """
    now = now or timezone.now()
    rows = list(
        Item.objects.filter(
            status__in=(ItemStatus.NEW, ItemStatus.AWAITING_CONFIRMATION),
            first_reported_at__lte=now,
        ).values_list("status", "first_reported_at")
    )
    ages = [now - first for _status, first in rows]
    labels = {
        "lt1d": _("Less than 1 day"),
        "1-3d": _("1 to 3 days"),
        "3-7d": _("3 to 7 days"),
        "7-30d": _("7 to 30 days"),
        "gt30d": _("More than 30 days"),
    }
    counts: Counter[str] = Counter()
    for age in ages:
        key = next((k for k, limit in BACKLOG_BUCKETS if age < limit), "gt30d")
        counts[key] += 1
    return Backlog(
        waiting=sum(1 for status, _first in rows if status == ItemStatus.NEW),
        awaiting_confirmation=sum(
            1 for status, _first in rows if status == ItemStatus.AWAITING_CONFIRMATION
        ),
        by_age=[Count(key, str(label), counts.get(key, 0)) for key, label in labels.items()],
        median_age_hours=percentile([hours(a) for a in ages], 50),
        oldest_age_hours=hours(max(ages)) if ages else None,
    )


# --- hosting --------------------------------------------------------------------------------


def _illegal_item_ids(period: Period) -> list[int]:
    return sorted(i for i, v in final_verdicts(period).items() if v.legality in ILLEGAL)


def hosting_countries(period: Period) -> list[Count]:
    """Items judged illegal in the period, by the country hosting them (most first)."""
    ids = _illegal_item_ids(period)
    countries: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        countries.update(
            Item.objects.filter(pk__in=ids[start : start + 500]).values_list(
                "hosting_country", flat=True
            )
        )
    return [
        Count(code, country_label(code), n)
        for code, n in sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def hosting_providers(period: Period, limit: int = 15) -> list[Count]:
    """Items judged illegal in the period, by the hosting provider noticed (most first)."""
    ids = _illegal_item_ids(period)
    providers = notice_providers(ids)
    counts = Counter(providers.get(i, "") for i in ids)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Count(name, name or _("No notice sent"), n) for name, n in ordered]
