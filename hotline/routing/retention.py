"""Retention seen from routing: which items and reports referrals still need, and the action
that clears concluded referrals' free text.

A referral protects what it is about while it is not concluded: a police hold (held, or a
``hold_until`` still ahead) always; a referral to the police, INTERPOL or a partner hotline until
it reaches a final status (closed, cancelled, convicted, acquitted, no action); a report's
referral (travel cases) likewise. A notice, blocklist or hash-list referral needs nothing once
its item is closed (the content is gone or was judged not illegal), so it protects only an open
item — and an open item is never purged anyway.

Referrals are never deleted: their destinations, statuses and step timestamps are what the
referral, answer-time and enforcement statistics count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from hotline.audit.actions import record
from hotline.cases.models import ItemStatus, ReportStatus
from hotline.cases.retention import Protected
from hotline.routing.models import FINAL, Destination, Referral, ReferralStatus

CONCLUDED = (ReferralStatus.CLOSED, ReferralStatus.CANCELLED, *FINAL)
# Destinations whose work outlives the item's closure (an investigation, a partner's case).
NEEDS_CONCLUSION = (Destination.POLICE, Destination.INTERPOL, Destination.PARTNER)


def _holding(now: datetime) -> Q:
    return Q(status=ReferralStatus.HELD) | Q(hold_until__gt=now)


def _open(now: datetime) -> Q:
    """Referrals that still need what they are about."""
    unconcluded = ~Q(status__in=CONCLUDED)
    return (
        _holding(now)
        | (unconcluded & Q(report__isnull=False))
        | (unconcluded & Q(destination__in=NEEDS_CONCLUSION))
    )


def protected(now: datetime) -> Protected:
    """The items and reports an open referral or a police hold still needs."""
    live = Referral.objects.filter(_open(now))
    return Protected(
        items=live.filter(item__isnull=False).values("item_id"),
        reports=live.filter(report__isnull=False).values("report_id"),
    )


def referrals_concluded_before(
    before: datetime, now: datetime, protection: Protected
) -> QuerySet[Referral]:
    """Referrals concluded before ``before`` (final status, or a notice-like referral whose
    item closed), about a closed item or report that nothing protects."""
    concluded = Q(status__in=CONCLUDED) | (
        ~Q(destination__in=NEEDS_CONCLUSION) & Q(item__status=ItemStatus.CLOSED)
    )
    about_closed = Q(item__status=ItemStatus.CLOSED) | Q(report__status=ReportStatus.CLOSED)
    return (
        Referral.objects.filter(concluded, about_closed)
        .exclude(_holding(now))
        .annotate(
            concluded_on=Coalesce("concluded_at", "closed_at", "item__closed_at", "created_at")
        )
        .filter(concluded_on__lt=before)
        .exclude(item__in=protection.items)
        .exclude(report__in=protection.reports)
    )


def _has_text() -> Q:
    return ~Q(outcome="") | ~Q(override_reason="") | ~Q(problem="") | ~Q(remote_reference="")


@transaction.atomic
def anonymise_referrals(referrals: QuerySet[Referral], *, dry_run: bool = False) -> list[int]:
    """Clear what people wrote on ``referrals`` — the recipient's answer, an override's reason,
    the problem noted, the recipient's own case reference; returns the ids cleared (in a dry
    run, the ids that would be). Destination, grounds, status and every timestamp stay."""
    ids = sorted(set(referrals.filter(_has_text()).values_list("pk", flat=True)))
    if dry_run or not ids:
        return ids
    locked: list[Any] = list(
        Referral.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
    )
    Referral.objects.filter(pk__in=locked).update(
        outcome="", override_reason="", problem="", remote_reference=""
    )
    record(
        "retention.referrals",
        actor=None,
        object_type="routing.referral",
        detail={"count": len(locked), "ids": sorted(locked)},
    )
    return sorted(locked)
