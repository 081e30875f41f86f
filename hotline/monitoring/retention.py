"""The retention run: each kind of record purged by its owning app, in one transaction.

This module decides nothing about rows itself and writes none of other apps' rows: it asks
routing which items and reports a referral or a police hold still needs, then calls each
owner's purge action with that protection and the cut-off of its ``RETENTION_*`` period
(0 keeps the kind forever). Reporter contact details go first and soonest. A dry run calls the
same selections without writing, so its counts are the real run's. A real run that purged
anything records one ``retention.purge`` audit event with the counts of every kind.

The statistics stay equal because purges clear identifying content and keep the dated,
classified rows every figure counts (docs/retention.md); audit events are never purged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotline.audit.actions import record
from hotline.cases import retention as cases
from hotline.cases.models import Item, ItemStatus
from hotline.matching.uploads import purge_expired
from hotline.outbox import retention as outbox
from hotline.routing import retention as routing
from hotline.tourism import retention as tourism

# In the order they run (and are printed): contact details first.
KINDS = (
    "reporter_contacts",
    "reports",
    "items",
    "referrals",
    "travel_cases",
    "messages",
    "media",
)


@dataclass(frozen=True)
class KindResult:
    kind: str
    days: int  # the retention period; 0: kept forever (nothing purged)
    count: int
    ids: tuple[int, ...] = ()  # the rows cleared (messages and media: counted only)


@dataclass(frozen=True)
class RetentionRun:
    at: datetime
    dry_run: bool
    results: tuple[KindResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {r.kind: r.count for r in self.results}

    @property
    def total(self) -> int:
        return sum(r.count for r in self.results)


def periods() -> dict[str, int]:
    """Each kind's retention period in days (0: forever), from settings."""
    return {
        "reporter_contacts": settings.RETENTION_CONTACT_DAYS,
        "reports": settings.RETENTION_REPORT_DAYS,
        "items": settings.RETENTION_ITEM_DAYS,
        "referrals": settings.RETENTION_REFERRAL_DAYS,
        "travel_cases": settings.RETENTION_TRAVEL_DAYS,
        "messages": settings.RETENTION_MESSAGE_DAYS,
        "media": settings.MEDIA_RETENTION_DAYS,
    }


def run_retention(*, now: datetime | None = None, dry_run: bool = False) -> RetentionRun:
    """Purge (or, with ``dry_run``, count) every kind of record past its retention period."""
    now = now or timezone.now()
    days = periods()
    results: list[KindResult] = []

    def cutoff(kind: str) -> datetime | None:
        return None if days[kind] == 0 else now - timedelta(days=days[kind])

    def ids_result(kind: str, ids: list[int]) -> None:
        results.append(KindResult(kind, days[kind], len(ids), tuple(ids)))

    with transaction.atomic():
        protection = routing.protected(now)
        for kind in KINDS:
            before = cutoff(kind)
            if before is None:
                results.append(KindResult(kind, 0, 0))
                continue
            if kind == "reporter_contacts":
                ids = cases.clear_reporter_contacts(
                    cases.reports_closed_before(before, protection), dry_run=dry_run
                )
                ids += tourism.clear_travel_contacts(
                    tourism.cases_closed_before(before, protection), dry_run=dry_run
                )
                ids_result(kind, sorted(ids))
            elif kind == "reports":
                ids_result(
                    kind,
                    cases.anonymise_reports(
                        cases.reports_closed_before(before, protection), dry_run=dry_run
                    ),
                )
            elif kind == "items":
                ids_result(
                    kind,
                    cases.anonymise_items(
                        cases.items_closed_before(before, protection), dry_run=dry_run
                    ),
                )
            elif kind == "referrals":
                ids_result(
                    kind,
                    routing.anonymise_referrals(
                        routing.referrals_concluded_before(before, now, protection),
                        dry_run=dry_run,
                    ),
                )
            elif kind == "travel_cases":
                ids_result(
                    kind,
                    tourism.anonymise_travel_cases(
                        tourism.cases_closed_before(before, protection), dry_run=dry_run
                    ),
                )
            elif kind == "messages":
                count = outbox.purge_delivered(before, dry_run=dry_run)
                results.append(KindResult(kind, days[kind], count))
            elif kind == "media":
                # Media has its own clock (``purge_after``, set at upload); an open item or one
                # a referral or police hold still needs keeps its files whatever the clock says.
                keep = Item.objects.filter(
                    Q(pk__in=protection.items) | ~Q(status=ItemStatus.CLOSED)
                ).values("pk")
                count = purge_expired(keep_items=keep, dry_run=dry_run, now=now)
                results.append(KindResult(kind, days[kind], count))
        run = RetentionRun(now, dry_run, tuple(results))
        if not dry_run and run.total:
            record(
                "retention.purge",
                actor=None,
                detail={"counts": run.counts, "days": days, "at": now},
            )
    return run
