"""Retention of travel and tourism cases: what is due, and the action that clears it.

A travel case is never deleted: the tourism statistics count its report's date, the country
of the offence and its referrals' grounds, statuses and step timestamps. A purge clears what
identifies the suspect, the child, the place and the witnesses (names, descriptions, plates,
addresses, coordinates, the city), the notes on linked cases, companies and notices, and the
text of its ``cases.Report`` (through the cases app's own action). Country, kind of place,
date, the children's age group and gender stay.

A case whose company notice is still held for the police's clearance is a police hold and is
never touched; neither is a case whose report a referral still needs (``Protected``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from hotline.audit.actions import record
from hotline.cases.models import Report
from hotline.cases.retention import Protected, anonymise_reports, clear_reporter_contacts
from hotline.tourism.models import (
    CaseLink,
    CompanyLink,
    CompanyNotice,
    NoticeStatus,
    TravelReport,
)


def cases_closed_before(before: datetime, protected: Protected) -> QuerySet[TravelReport]:
    """Travel cases closed before ``before``, with no held company notice and no referral
    (or police hold) that still needs their report."""
    held_notice = CompanyNotice.objects.filter(
        travel_report=OuterRef("pk"), status=NoticeStatus.HELD
    )
    return (
        TravelReport.objects.filter(closed_at__lt=before)
        .exclude(Exists(held_notice))
        .exclude(report__in=protected.reports)
    )


def _reports_of(cases: QuerySet[TravelReport]) -> QuerySet[Report]:
    return Report.objects.filter(pk__in=cases.values("report_id"))


def clear_travel_contacts(cases: QuerySet[TravelReport], *, dry_run: bool = False) -> list[int]:
    """The reporter's contact details of these travel cases (kept on their ``cases.Report``);
    returns the report ids cleared."""
    return clear_reporter_contacts(_reports_of(cases), dry_run=dry_run)


def _has_text() -> Q:
    fields = (
        "city",
        "venue_name",
        "address",
        "suspect_name",
        "suspect_description",
        "suspect_languages",
        "suspect_vehicle",
        "suspect_plate",
        "suspect_lodging",
        "company_involved",
        "child_description",
        "other_witnesses",
        "close_reason",
    )
    text = Q()
    for name in fields:
        text |= ~Q(**{name: ""})
    return (
        text
        | Q(latitude__isnull=False)
        | Q(longitude__isnull=False)
        | Q(occurred_time__isnull=False)
        | Q(Exists(CompanyNotice.objects.filter(travel_report=OuterRef("pk")).exclude(text="")))
        | Q(Exists(CompanyLink.objects.filter(travel_report=OuterRef("pk")).exclude(note="")))
        | Q(
            Exists(
                CaseLink.objects.filter(Q(first=OuterRef("pk")) | Q(second=OuterRef("pk"))).exclude(
                    reason=""
                )
            )
        )
    )


@transaction.atomic
def anonymise_travel_cases(cases: QuerySet[TravelReport], *, dry_run: bool = False) -> list[int]:
    """Clear what identifies people and places in these closed travel cases and the text of
    their reports; returns the travel report ids cleared (in a dry run, those that would be).

    A case counts when it or its report still carries something to clear."""
    ids = set(cases.filter(_has_text()).values_list("pk", flat=True))
    # A case whose own fields are clear may still have report text left (the cases app's
    # definition, asked in its dry-run form so both apps count the same thing).
    reports_left = anonymise_reports(_reports_of(cases), dry_run=True)
    ids |= set(TravelReport.objects.filter(report_id__in=reports_left).values_list("pk", flat=True))
    if dry_run or not ids:
        return sorted(ids)
    locked: list[Any] = list(
        TravelReport.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
    )
    TravelReport.objects.filter(pk__in=locked).update(
        city="",
        venue_name="",
        address="",
        latitude=None,
        longitude=None,
        occurred_time=None,
        suspect_name="",
        suspect_description="",
        suspect_languages="",
        suspect_vehicle="",
        suspect_plate="",
        suspect_lodging="",
        company_involved="",
        child_description="",
        other_witnesses="",
        close_reason="",
    )
    CompanyNotice.objects.filter(travel_report_id__in=locked).update(text="")
    CompanyLink.objects.filter(travel_report_id__in=locked).update(note="")
    CaseLink.objects.filter(Q(first_id__in=locked) | Q(second_id__in=locked)).update(reason="")
    anonymise_reports(Report.objects.filter(travel__in=locked))
    record(
        "retention.travel_cases",
        actor=None,
        object_type="tourism.travelreport",
        detail={"count": len(locked), "ids": sorted(locked)},
    )
    return sorted(locked)
