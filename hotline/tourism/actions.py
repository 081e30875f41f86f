"""Every write of the tourism app: travel reports, links, company notices, The Code.

A travel report is filed through ``cases.actions.file_report`` (one receipt for every
public report); its referrals are created, sent, handed over, answered and followed up by
``routing.actions`` (``refer_report``, ``mark_handed_over``, ``record_outcome``,
``flag_follow_ups``), shared with online referrals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import record
from hotline.cases.actions import ReportInput, close_report, file_report
from hotline.cases.models import Channel, Concern, Report
from hotline.outbox.actions import enqueue
from hotline.outbox.events import MessageDelivered
from hotline.outbox.models import OutboxMessage
from hotline.routing.actions import refer_report
from hotline.routing.models import Referral
from hotline.tourism.models import (
    CaseLink,
    CodeAnnualReport,
    Company,
    CompanyLink,
    CompanyNotice,
    CriterionAssessment,
    NoticeStatus,
    TravelReport,
)
from hotline.tourism.packages import company_notice_email
from hotline.tourism.planning import PlannedReferral, plan_referrals

Actor = User | ApiCredential | None


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TravelReportInput:
    country: str
    city: str
    venue_type: str
    occurred_on: date
    observed: str
    venue_name: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    occurred_time: time | None = None
    time_zone: str = ""
    suspect_name: str = ""
    suspect_description: str = ""
    suspect_nationality: str = ""
    suspect_languages: str = ""
    suspect_vehicle: str = ""
    suspect_plate: str = ""
    suspect_lodging: str = ""
    company_involved: str = ""
    children_count: int | None = None
    child_age: str = ""
    child_gender: str = ""
    child_description: str = ""
    other_witnesses: str = ""
    holds_photos: bool = False
    child_in_danger: bool = False
    reporter_country: str = ""
    contact: str = ""
    consent_to_contact: bool = False
    consent_to_share_identity: bool = False
    willing_to_give_statement: bool = False
    language: str = ""


@dataclass(frozen=True)
class FiledTravelReport:
    report: Report
    travel: TravelReport
    secret: str  # the receipt secret, shown once; only its hash is stored


def _occurred_at(data: TravelReportInput) -> datetime | None:
    if data.occurred_time is None or not data.time_zone:
        return None
    return datetime.combine(data.occurred_on, data.occurred_time, tzinfo=ZoneInfo(data.time_zone))


@transaction.atomic
def file_travel_report(data: TravelReportInput, *, actor: Actor) -> FiledTravelReport:
    """Store a public travel-and-tourism report with a receipt, like any public report.

    The ``Report`` (filed by ``cases.actions.file_report``, concern ``travel``, no items)
    carries the reference, the receipt hash, the status the reporter can check, the
    contact and consent to contact; the ``TravelReport`` the rest.
    Consent to share the identity with authorities needs a contact to share.
    """
    has_contact = bool(data.contact.strip())
    filed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB,
            concern=Concern.TRAVEL,
            language=data.language,
            where_found=f"{data.city}, {data.country}"[:500],
            description=data.observed,
            child_in_danger=data.child_in_danger,
            contact=data.contact.strip(),
            consent_to_contact=data.consent_to_contact and has_contact,
        ),
        actor=actor,
    )
    report = filed.report
    travel = TravelReport.objects.create(
        report=report,
        country=data.country,
        city=data.city,
        venue_type=data.venue_type,
        venue_name=data.venue_name,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        occurred_on=data.occurred_on,
        occurred_time=data.occurred_time,
        time_zone=data.time_zone,
        occurred_at=_occurred_at(data),
        suspect_name=data.suspect_name,
        suspect_description=data.suspect_description,
        suspect_nationality=data.suspect_nationality,
        suspect_languages=data.suspect_languages,
        suspect_vehicle=data.suspect_vehicle,
        suspect_plate=data.suspect_plate,
        suspect_lodging=data.suspect_lodging,
        company_involved=data.company_involved,
        children_count=data.children_count,
        child_age=data.child_age,
        child_gender=data.child_gender,
        child_description=data.child_description,
        other_witnesses=data.other_witnesses,
        holds_photos=data.holds_photos,
        reporter_country=data.reporter_country,
        willing_to_give_statement=data.willing_to_give_statement,
        consent_to_share_identity=data.consent_to_share_identity and has_contact,
    )
    record(
        "travel_report.file",
        actor=actor,
        obj=report,
        detail={"travel_report": travel.pk, "country": data.country},
    )
    return FiledTravelReport(report, travel, filed.secret)


# --- referrals ------------------------------------------------------------------------------


@transaction.atomic
def send_referrals(
    travel: TravelReport,
    *,
    keys: Iterable[str] | None = None,
    acting_user: User,
) -> list[Referral]:
    """Refer the report to the authorities planned for it (all, or those whose ``key`` is given).

    Routing creates and sends them (``routing.actions.refer_report``): idempotent per
    destination and country, e-mailed with the travel package when an address is known,
    otherwise waiting for a liaison's hand-over. The reporter's identity goes with them
    only when the reporter consented.
    """
    locked = TravelReport.objects.select_for_update().get(pk=travel.pk)
    if locked.closed_at is not None:
        raise ValueError("this case is closed")
    wanted = set(keys) if keys is not None else None
    plans: list[PlannedReferral] = [
        p for p in plan_referrals(locked) if wanted is None or p.key in wanted
    ]
    return refer_report(
        locked.report,
        [p.for_routing() for p in plans],
        identity_shared=locked.consent_to_share_identity,
        acting_user=acting_user,
    )


@transaction.atomic
def close_case(travel: TravelReport, *, reason: str, acting_user: User) -> None:
    """Close a travel case; the reporter's status page then says "closed"."""
    if not reason.strip():
        raise ValueError("a case is closed with a reason")
    locked = TravelReport.objects.select_for_update().get(pk=travel.pk)
    if locked.closed_at is not None:
        raise ValueError("this case is already closed")
    locked.closed_at = timezone.now()
    locked.close_reason = reason.strip()
    locked.save(update_fields=["closed_at", "close_reason"])
    close_report(locked.report, reason=locked.close_reason, acting_user=acting_user)
    record("travel_report.close", actor=acting_user, obj=locked, detail={"reason": reason})


# --- linked cases ---------------------------------------------------------------------------


@transaction.atomic
def link_cases(
    travel: TravelReport,
    other: TravelReport,
    *,
    basis: str,
    reason: str,
    acting_user: User,
) -> CaseLink:
    """An analyst confirms two reports are about the same suspect, place or company."""
    if travel.pk == other.pk:
        raise ValueError("a report cannot be linked to itself")
    if not reason.strip():
        raise ValueError("say why these reports belong together")
    first, second = sorted((travel, other), key=lambda t: t.pk)
    if CaseLink.objects.filter(first=first, second=second).exists():
        raise ValueError("these reports are already linked")
    link = CaseLink.objects.create(
        first=first, second=second, basis=basis, reason=reason.strip(), linked_by=acting_user
    )
    record(
        "travel_report.link",
        actor=acting_user,
        obj=link,
        detail={"first": first.pk, "second": second.pk, "basis": basis},
    )
    return link


@transaction.atomic
def unlink_cases(link: CaseLink, *, acting_user: User) -> None:
    """Undo a link that turned out wrong (recorded in the audit log)."""
    record(
        "travel_report.unlink",
        actor=acting_user,
        obj=link,
        detail={"first": link.first_id, "second": link.second_id, "basis": link.basis},
    )
    link.delete()


# --- companies and The Code -----------------------------------------------------------------


@dataclass(frozen=True)
class CompanyInput:
    name: str
    kind: str
    country: str
    website: str = ""
    contact_email: str = ""
    code_member: bool = False
    member_since: date | None = None


_COMPANY_FIELDS = (
    "name",
    "kind",
    "country",
    "website",
    "contact_email",
    "code_member",
    "member_since",
)


@transaction.atomic
def save_company(
    data: CompanyInput, *, company: Company | None = None, acting_user: User | None
) -> Company:
    """Add a company to the registry, or change one."""
    values = {f: getattr(data, f) for f in _COMPANY_FIELDS}
    if not data.code_member:
        values["member_since"] = None
    if company is None:
        company = Company.objects.create(**values)
        record("company.create", actor=acting_user, obj=company, detail=values)
        return company
    changed = {f: v for f, v in values.items() if getattr(company, f) != v}
    for f, v in changed.items():
        setattr(company, f, v)
    if changed:
        company.save(update_fields=list(changed))
    record("company.update", actor=acting_user, obj=company, detail=changed)
    return company


@transaction.atomic
def record_annual_report(
    company: Company,
    *,
    year: int,
    received_on: date,
    criteria: Mapping[str, tuple[str, str]],
    acting_user: User | None,
) -> CodeAnnualReport:
    """Record (or correct) a member's annual report: each criterion's status and evidence."""
    if not company.code_member:
        raise ValueError("only members of The Code report on the criteria")
    annual, created = CodeAnnualReport.objects.update_or_create(
        company=company,
        year=year,
        defaults={"received_on": received_on, "recorded_by": acting_user},
    )
    for criterion, (status, evidence) in criteria.items():
        CriterionAssessment.objects.update_or_create(
            annual_report=annual,
            criterion=criterion,
            defaults={"status": status, "evidence": evidence},
        )
    record(
        "code_report.record",
        actor=acting_user,
        obj=annual,
        detail={
            "company": company.pk,
            "year": year,
            "created": created,
            "criteria": {c: s for c, (s, _) in criteria.items()},
        },
    )
    return annual


@transaction.atomic
def link_company(
    travel: TravelReport, company: Company, *, note: str = "", acting_user: User
) -> CompanyLink:
    """An analyst confirms the report is about this company."""
    if CompanyLink.objects.filter(travel_report=travel, company=company).exists():
        raise ValueError("this company is already linked to the report")
    link = CompanyLink.objects.create(
        travel_report=travel, company=company, note=note.strip(), confirmed_by=acting_user
    )
    record(
        "travel_report.link_company",
        actor=acting_user,
        obj=link,
        detail={"travel_report": travel.pk, "company": company.pk},
    )
    return link


@transaction.atomic
def draft_company_notice(
    travel: TravelReport, company: Company, *, text: str, acting_user: User
) -> CompanyNotice:
    """Prepare a notice to a linked company; it is held until a police liaison clears it."""
    if not CompanyLink.objects.filter(travel_report=travel, company=company).exists():
        raise ValueError("link the company to the report first")
    if not company.contact_email:
        raise ValueError("the company has no child-protection contact address")
    if not text.strip():
        raise ValueError("write the notice")
    notice = CompanyNotice.objects.create(
        travel_report=travel,
        company=company,
        text=text.strip(),
        recipient=company.contact_email,
        drafted_by=acting_user,
    )
    record("company_notice.draft", actor=acting_user, obj=notice, detail={"company": company.pk})
    return notice


@transaction.atomic
def clear_company_notice(notice: CompanyNotice, *, acting_user: User) -> CompanyNotice:
    """A police liaison clears a held notice: it is queued in the outbox now and becomes
    *sent* when the outbox delivers it (``mark_company_notice_delivered``)."""
    locked = CompanyNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.status != NoticeStatus.HELD:
        raise ValueError("this notice is not held")
    message = enqueue(
        "email",
        locked.recipient,
        company_notice_email(
            company_name=locked.company.name,
            reference=locked.travel_report.reference,
            text=locked.text,
        ),
        related=locked,
    )
    locked.status = NoticeStatus.QUEUED
    locked.cleared_by = acting_user
    locked.cleared_at = timezone.now()
    locked.save(update_fields=["status", "cleared_by", "cleared_at"])
    record(
        "company_notice.clear", actor=acting_user, obj=locked, detail={"message": str(message.id)}
    )
    return locked


COMPANY_NOTICE_MESSAGE = "tourism.companynotice"  # ``related_type`` of the notices' e-mails


@transaction.atomic
def mark_company_notice_delivered(
    notice: CompanyNotice, *, message: OutboxMessage
) -> CompanyNotice:
    """The outbox delivered ``message``, which carries ``notice``: a queued notice becomes
    *sent* at the delivery time, with the mail server's answer in the audit event.
    Idempotent: a notice already sent (or cancelled) is left as it is."""
    locked = CompanyNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.status != NoticeStatus.QUEUED:
        return locked
    locked.status = NoticeStatus.SENT
    locked.sent_at = message.delivered_at or timezone.now()
    locked.save(update_fields=["status", "sent_at"])
    record(
        "company_notice.sent",
        actor=None,
        obj=locked,
        detail={"message": str(message.id), "answer": message.remote_answer},
    )
    return locked


def note_company_notice_delivered(event: MessageDelivered) -> None:
    """Listens to ``outbox.message_delivered``: a company notice's e-mail arrived
    (``mark_company_notice_delivered``)."""
    message = event.message
    if message.related_type != COMPANY_NOTICE_MESSAGE or not message.related_id.isdigit():
        return
    notice = CompanyNotice.objects.filter(pk=int(message.related_id)).first()
    if notice is not None:
        mark_company_notice_delivered(notice, message=message)


@transaction.atomic
def cancel_company_notice(notice: CompanyNotice, *, acting_user: User) -> None:
    """Withdraw a held notice (an analyst changed their mind, or the police said no)."""
    updated = CompanyNotice.objects.filter(pk=notice.pk, status=NoticeStatus.HELD).update(
        status=NoticeStatus.CANCELLED
    )
    if not updated:
        raise ValueError("this notice is not held")
    record("company_notice.cancel", actor=acting_user, obj=notice)
