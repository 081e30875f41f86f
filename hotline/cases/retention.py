"""Retention of reports and items: what is due, and the actions that clear it.

A purge never deletes a report, an item or an assessment: every statistic (monitoring) counts
those rows by their dates, channel, concern, status, verdict, severity and hosting country.
It clears what identifies people or places instead — the reporter's contact, what they wrote,
the addresses they gave, the analyst's notes — and keeps that dated, classified skeleton, so a
figure computed before a purge equals the figure computed after it.

Who may not be purged is decided above this app (routing knows referrals and police holds):
callers pass ``protected_items`` / ``protected_reports``, querysets of ids that stay untouched.
Each action selects with the same query in a dry run and in a real run, so the counts agree,
and records one audit event with the ids it cleared, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from hotline.audit.actions import record
from hotline.cases.models import (
    Assessment,
    Concern,
    Item,
    ItemStatus,
    Report,
    ReportItem,
    ReportStatus,
)

# What marks an item's URL identity as cleared: ``canonical_url_hash`` must stay unique among
# URL items, so a purged item gets this prefix and its id instead of the hash; a later report
# of the same address then opens a new item rather than a blank one.
PURGED_HASH_PREFIX = "purged:"


@dataclass(frozen=True)
class Protected:
    """Ids no purge may touch (querysets of one id column, evaluated inside the purge)."""

    items: QuerySet[Any]
    reports: QuerySet[Any]


# --- what is due ----------------------------------------------------------------------------


def _open_items() -> QuerySet[ReportItem]:
    return ReportItem.objects.filter(report=OuterRef("pk")).exclude(item__status=ItemStatus.CLOSED)


def reports_closed_before(before: datetime, protected: Protected) -> QuerySet[Report]:
    """Online-content reports closed before ``before``: every item closed, the last of them
    before that moment, none protected. Travel reports are the tourism app's to select (their
    case closes in tourism, not through items)."""
    return (
        Report.objects.exclude(concern=Concern.TRAVEL)
        .filter(status=ReportStatus.CLOSED, report_items__isnull=False)
        .annotate(
            last_closed=Max("report_items__item__closed_at"), open_items=Exists(_open_items())
        )
        .filter(open_items=False, last_closed__lt=before)
        .exclude(pk__in=protected.reports)
        .exclude(report_items__item__in=protected.items)
    )


def _has_contact() -> Q:
    return ~Q(contact="") | Q(consent_to_contact=True)


def _has_content() -> Q:
    return (
        ~Q(description="")
        | ~Q(where_found="")
        | ~Q(urgent_reason="")
        | ~Q(platform="")
        | ~Q(external_id="")
        | ~Q(secret_hash="")
        | ~Q(reported_accounts=[])
        | ~Q(annotations=[])
        | Q(Exists(ReportItem.objects.filter(report=OuterRef("pk")).exclude(submitted_value="")))
    )


def items_closed_before(before: datetime, protected: Protected) -> QuerySet[Item]:
    """Items closed before ``before``, none protected, none named by a report still open."""
    still_reported = ReportItem.objects.filter(item=OuterRef("pk")).exclude(
        report__status=ReportStatus.CLOSED
    )
    return (
        Item.objects.filter(status=ItemStatus.CLOSED, closed_at__lt=before)
        .exclude(pk__in=protected.items)
        .exclude(Exists(still_reported))
    )


def _item_has_content() -> Q:
    noted = Assessment.objects.filter(item=OuterRef("pk")).filter(
        ~Q(notes="") | ~Q(payment_method="")
    )
    return (
        ~Q(canonical_url="")
        | ~Q(fetch_url="")
        | ~Q(host="")
        | ~Q(registrable_domain="")
        | ~Q(file_name="")
        | Q(Exists(noted))
    )


# --- actions --------------------------------------------------------------------------------


@transaction.atomic
def clear_reporter_contacts(reports: QuerySet[Report], *, dry_run: bool = False) -> list[int]:
    """Remove the reporter's contact details (and with them the consent to use them) from
    ``reports``; returns the ids cleared (in a dry run: the ids that would be).

    The reporter's receipt keeps working: the status page needs no contact."""
    due = reports.filter(_has_contact())
    ids = sorted(set(due.values_list("pk", flat=True)))
    if dry_run or not ids:
        return ids
    locked = list(
        Report.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
    )
    Report.objects.filter(pk__in=locked).update(contact="", consent_to_contact=False)
    record(
        "retention.reporter_contacts",
        actor=None,
        object_type="cases.report",
        detail={"count": len(locked), "ids": sorted(locked)},
    )
    return sorted(locked)


@transaction.atomic
def anonymise_reports(reports: QuerySet[Report], *, dry_run: bool = False) -> list[int]:
    """Clear what a reporter wrote in ``reports`` — description, where it was found, the
    addresses as submitted, accounts, annotations, the company's own id — and the receipt's
    secret (the status page stops answering). Date, channel, concern, language, status and the
    links to items stay, for the statistics. Returns the ids cleared.

    Contact details are not touched here: they have their own, shorter period
    (``clear_reporter_contacts``), so each field is counted by exactly one kind."""
    due = reports.filter(_has_content())
    ids = sorted(set(due.values_list("pk", flat=True)))
    if dry_run or not ids:
        return ids
    locked = list(
        Report.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
    )
    Report.objects.filter(pk__in=locked).update(
        description="",
        where_found="",
        urgent_reason="",
        platform="",
        external_id="",
        secret_hash="",
        reported_accounts=[],
        annotations=[],
    )
    ReportItem.objects.filter(report_id__in=locked).update(submitted_value="")
    record(
        "retention.reports",
        actor=None,
        object_type="cases.report",
        detail={"count": len(locked), "ids": sorted(locked)},
    )
    return sorted(locked)


@transaction.atomic
def anonymise_items(items: QuerySet[Item], *, dry_run: bool = False) -> list[int]:
    """Clear the address (canonical and fetchable URL, host, domain), the file name and the
    analysts' free text of closed ``items``. Kind, dates, verdicts, severity, hosting country and
    hashes stay: statistics read the first, and hashes identify material, not people (hash lists
    share them anyway). Returns the ids cleared."""
    ids = sorted(set(items.filter(_item_has_content()).values_list("pk", flat=True)))
    if dry_run or not ids:
        return ids
    locked = list(
        Item.objects.select_for_update()
        .filter(pk__in=ids, status=ItemStatus.CLOSED)
        .values_list("pk", "kind")
    )
    for pk, kind in locked:
        Item.objects.filter(pk=pk).update(
            canonical_url="",
            fetch_url="",
            host="",
            registrable_domain="",
            file_name="",
            canonical_url_hash=f"{PURGED_HASH_PREFIX}{pk}" if kind == "url" else "",
            claimed_by=None,
            claimed_until=None,
        )
    cleared = sorted(pk for pk, _kind in locked)
    Assessment.objects.filter(item_id__in=cleared).update(notes="", payment_method="")
    record(
        "retention.items",
        actor=None,
        object_type="cases.item",
        detail={"count": len(cleared), "ids": cleared},
    )
    return cleared
