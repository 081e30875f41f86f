"""Reads of tourism data: access-checked querysets, link suggestions, The Code's standing,
and the statistics the monitoring app charts (``outcome_counts`` and friends)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import Role, User
from hotline.cases.models import Concern
from hotline.core import emergency
from hotline.routing.models import (
    FINAL,
    Ground,
    JurisdictionProfile,
    Referral,
    ReferralStatus,
)
from hotline.tourism.countries import country_name
from hotline.tourism.models import (
    CaseLink,
    CodeAnnualReport,
    Company,
    CompanyNotice,
    CriterionStatus,
    LinkBasis,
    TravelReport,
)
from hotline.tourism.rules import handles_travel_cases

# --- who sees what --------------------------------------------------------------------------


def visible_travel_reports(user: User) -> QuerySet[TravelReport]:
    """This hotline's analysts and supervisors see every travel case; nobody else does."""
    if handles_travel_cases(user):
        return TravelReport.objects.select_related("report")
    return TravelReport.objects.none()


def travel_referrals() -> QuerySet[Referral]:
    """Every referral of a travel report (routing's ``Referral`` rows about a travel report)."""
    return Referral.objects.filter(report__concern=Concern.TRAVEL, report__travel__isnull=False)


def travel_report_of(referral: Referral) -> TravelReport:
    """The travel report a referral is about."""
    return TravelReport.objects.select_related("report").get(report_id=referral.report_id or 0)


def visible_travel_referrals(user: User) -> QuerySet[Referral]:
    """A police liaison sees the referrals to their organisation's units; our analysts see all."""
    base = travel_referrals().select_related(
        "report__travel", "police_unit", "partner__organisation"
    )
    if handles_travel_cases(user):
        return base
    if user.has_role(Role.LAW_ENFORCEMENT_LIAISON) and user.organisation_id is not None:
        return base.filter(police_unit__organisation_id=user.organisation_id)
    return base.none()


def visible_notices(user: User) -> QuerySet[CompanyNotice]:
    """Notices to companies: our analysts see all; a liaison those of cases referred to them."""
    base = CompanyNotice.objects.select_related("company", "travel_report__report")
    if handles_travel_cases(user):
        return base
    if user.has_role(Role.LAW_ENFORCEMENT_LIAISON) and user.organisation_id is not None:
        return base.filter(
            travel_report__report__referrals__police_unit__organisation_id=user.organisation_id
        ).distinct()
    return base.none()


def can_clear(user: User, notice: CompanyNotice) -> bool:
    """Only a liaison of a police unit this case was referred to clears a notice."""
    return (
        user.has_role(Role.LAW_ENFORCEMENT_LIAISON)
        and user.organisation_id is not None
        and Referral.objects.filter(
            report__travel=notice.travel_report_id,
            police_unit__organisation_id=user.organisation_id,
        ).exists()
    )


# --- cases ----------------------------------------------------------------------------------


def case_list(user: User) -> QuerySet[TravelReport]:
    """Open cases first (newest first), with their referral and follow-up counts."""
    return (
        visible_travel_reports(user)
        .annotate(
            referral_count=Count("report__referrals", distinct=True),
            follow_up_count=Count(
                "report__referrals",
                filter=Q(report__referrals__follow_up_flagged_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by(F("closed_at").asc(nulls_first=True), "-report__received_at")
    )


def linked_cases(travel: TravelReport) -> list[tuple[CaseLink, TravelReport]]:
    links = CaseLink.objects.filter(Q(first=travel) | Q(second=travel)).select_related(
        "first__report", "second__report", "linked_by"
    )
    return [(link, link.other(travel)) for link in links]


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _plate(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _similar(a: str, b: str) -> bool:
    a, b = _normal(a), _normal(b)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


@dataclass
class LinkSuggestion:
    travel_report: TravelReport
    bases: list[str] = field(default_factory=list)


def link_suggestions(travel: TravelReport, *, limit: int = 10) -> list[LinkSuggestion]:
    """Other reports that may be about the same suspect or place, for an analyst to judge.

    Only suggestions: similar names are not the same person, so nothing is linked here.
    """
    linked = {other.pk for _link, other in linked_cases(travel)}
    candidates = (
        TravelReport.objects.exclude(pk=travel.pk)
        .exclude(pk__in=linked)
        .select_related("report")
        .prefetch_related("company_links")
        .order_by("-report__received_at")[:5000]
    )
    companies = set(travel.company_links.values_list("company_id", flat=True))
    suggestions = []
    for other in candidates:
        bases: list[str] = []
        same_plate = bool(_plate(travel.suspect_plate)) and _plate(travel.suspect_plate) == _plate(
            other.suspect_plate
        )
        if same_plate or _similar(travel.suspect_name, other.suspect_name):
            bases.append(LinkBasis.SAME_SUSPECT)
        if (
            other.country == travel.country
            and _normal(other.city) == _normal(travel.city)
            and _similar(travel.venue_name, other.venue_name)
        ):
            bases.append(LinkBasis.SAME_VENUE)
        if companies & {link.company_id for link in other.company_links.all()}:
            bases.append(LinkBasis.SAME_COMPANY)
        if bases:
            suggestions.append(LinkSuggestion(other, bases))
        if len(suggestions) >= limit:
            break
    return suggestions


def company_suggestions(travel: TravelReport, *, limit: int = 5) -> list[Company]:
    """Registry companies whose name resembles the company the reporter named."""
    named = _normal(travel.company_involved)
    if not named:
        return []
    linked = travel.company_links.values_list("company_id", flat=True)
    found = []
    for company in Company.objects.exclude(pk__in=linked):
        name = _normal(company.name)
        if name and (name in named or named in name or _similar(name, named)):
            found.append(company)
        if len(found) >= limit:
            break
    return found


# --- The Code -------------------------------------------------------------------------------


def report_due_month() -> int:
    return min(settings.TOURISM_CODE_REPORT_DUE_MONTH, 12)


def _end_of_month(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def due_report_year(company: Company, today: date) -> int | None:
    """The year whose annual report is overdue-able today, or None when none is due yet.

    The report on year Y is due by the end of month ``TOURISM_CODE_REPORT_DUE_MONTH`` of
    Y + 1; a member reports on a year once it was a member for the whole of it.
    """
    if not company.code_member or company.member_since is None:
        return None
    last_year = today.year - 1
    if today <= _end_of_month(today.year, report_due_month()):
        last_year -= 1  # last year's report is not due yet: the one before is what counts
    if company.member_since.year >= last_year:
        return None
    return last_year


def is_overdue(company: Company, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    year = due_report_year(company, today)
    return year is not None and not company.annual_reports.filter(year=year).exists()


def latest_report(company: Company) -> CodeAnnualReport | None:
    return company.annual_reports.prefetch_related("criteria").first()


def in_good_standing(company: Company, today: date | None = None) -> bool:
    """A member whose due report is in and whose latest report has no criterion "not met"."""
    if not company.code_member or is_overdue(company, today):
        return False
    latest = latest_report(company)
    return latest is None or not any(
        c.status == CriterionStatus.NOT_MET for c in latest.criteria.all()
    )


def members_in_good_standing(today: date | None = None) -> list[Company]:
    members = Company.objects.filter(code_member=True).prefetch_related("annual_reports")
    return [c for c in members if in_good_standing(c, today)]


def overdue_members(today: date | None = None) -> list[Company]:
    return [c for c in Company.objects.filter(code_member=True) if is_overdue(c, today)]


# --- statistics (charted by the monitoring app) ---------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open interval of time, [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))

    def contains(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})


# Outcome → the timestamp that says when it was recorded.
_OUTCOME_FIELDS: dict[str, str] = {
    ReferralStatus.ACKNOWLEDGED: "acknowledged_at",
    ReferralStatus.INVESTIGATION_OPENED: "investigation_opened_at",
    ReferralStatus.SUSPECT_IDENTIFIED: "suspect_identified_at",
    ReferralStatus.CHARGED: "charged_at",
}


def outcome_counts(period: Period) -> dict[str, int]:
    """How many referrals reached each outcome within ``period`` (every outcome, zeros too).

    A referral is counted once per step it reached in the period: one that was
    acknowledged and then charged counts under both.
    """
    counts = {
        str(status): travel_referrals().filter(period.contains(field_name)).count()
        for status, field_name in _OUTCOME_FIELDS.items()
    }
    for status in FINAL:
        counts[str(status)] = (
            travel_referrals().filter(period.contains("concluded_at"), status=status).count()
        )
    return counts


def referrals_sent(period: Period) -> dict[str, int]:
    """Referrals that went out within ``period``, by primary ground (every ground, zeros too)."""
    rows = Counter(
        grounds[0] if grounds else ""
        for grounds in travel_referrals()
        .filter(period.contains("sent_at"))
        .values_list("grounds", flat=True)
    )
    return {str(ground): rows.get(ground, 0) for ground in Ground}


def travel_reports_received(period: Period) -> int:
    return TravelReport.objects.filter(period.contains("report__received_at")).count()


def referrals_awaiting_follow_up() -> int:
    """Referrals flagged because nobody answered in time (now, not per period)."""
    return travel_referrals().filter(follow_up_flagged_at__isnull=False).count()


def code_counts(today: date | None = None) -> dict[str, int]:
    members = list(Company.objects.filter(code_member=True).prefetch_related("annual_reports"))
    return {
        "companies": Company.objects.count(),
        "members": len(members),
        "in_good_standing": sum(in_good_standing(c, today) for c in members),
        "overdue": sum(is_overdue(c, today) for c in members),
    }


# --- emergency numbers ----------------------------------------------------------------------


@dataclass(frozen=True)
class CountryEmergency:
    """What the public pages say to call in ``country``; ``call_first`` "" means unknown."""

    country: str
    name: str
    call_first: str
    numbers: tuple[emergency.ServiceNumber, ...]
    source_title: str
    source_url: str
    checked: date | None

    @property
    def known(self) -> bool:
        return bool(self.call_first)


def _profile_numbers() -> dict[str, str]:
    return dict(
        JurisdictionProfile.objects.exclude(emergency_number="").values_list(
            "country", "emergency_number"
        )
    )


def _emergency(country: str, override: str | None) -> CountryEmergency:
    entry = emergency.for_country(country)
    if override:
        others = tuple(n for n in entry.numbers if n.number != override) if entry else ()
        return CountryEmergency(
            country=country,
            name=country_name(country),
            call_first=override,
            numbers=(emergency.ServiceNumber("general", override), *others),
            source_title=str(_("Set by this hotline's administrator")),
            source_url="",
            checked=None,
        )
    if entry:
        return CountryEmergency(
            country=country,
            name=country_name(country),
            call_first=entry.call_first,
            numbers=entry.numbers,
            source_title=entry.source_title,
            source_url=entry.source_url,
            checked=entry.checked,
        )
    return CountryEmergency(country, country_name(country), "", (), "", "", None)


def emergency_for(country: str) -> CountryEmergency:
    """The numbers of ``country``: its jurisdiction profile's number when an administrator set
    one, else the shipped dataset's; unknown (never a guess such as 112) otherwise."""
    code = country.upper()
    return _emergency(code, _profile_numbers().get(code))


def emergency_number_for(country: str) -> str:
    """The number to call first in ``country``, or "" when it is not known."""
    return emergency_for(country).call_first


def emergency_numbers() -> list[CountryEmergency]:
    """Every country whose number is known, by name in the reader's language."""
    overrides = _profile_numbers()
    codes = set(emergency.dataset()) | set(overrides)
    rows = [_emergency(code, overrides.get(code)) for code in codes]
    return sorted(rows, key=lambda row: row.name.casefold())
