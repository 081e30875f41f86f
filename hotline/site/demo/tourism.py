"""Demo data for travel and tourism: synthetic companies, a Code member with its criteria, police
units for travel cases and two synthetic travel reports. Reserved names only; no legal facts are
invented (the case page shows them as "unknown, no source" until someone records sourced ones).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import Organisation, OrganisationKind
from hotline.routing.models import JurisdictionProfile, PoliceUnit
from hotline.tourism import actions
from hotline.tourism.actions import CompanyInput, TravelReportInput
from hotline.tourism.models import Company, Criterion, TravelReport

DEMO_MARKER = "Demo (synthetic):"


def _company(data: CompanyInput) -> Company:
    existing = Company.objects.filter(name=data.name, country=data.country).first()
    return existing or actions.save_company(data, acting_user=None)


def _police_units(offence_country: str) -> None:
    """A unit for the place of offence, and one for our country owned by the demo police."""
    if not PoliceUnit.objects.filter(country=offence_country, handles_travel=True).exists():
        PoliceUnit.objects.create(
            name=f"Demo Tourist Police ({offence_country})",
            country=offence_country,
            email=f"travel@police-{offence_country.lower()}.example.test",
        )
    home = settings.INSTANCE_COUNTRY
    if not PoliceUnit.objects.filter(country=home, handles_travel=True).exists():
        police = Organisation.objects.filter(
            kind=OrganisationKind.LAW_ENFORCEMENT, country=home
        ).first()
        PoliceUnit.objects.create(
            organisation=police,
            name=f"Demo Child Sex Tourism Unit ({home})",
            country=home,
            email=f"travel@police-{home.lower()}.example.test",
        )
    for country in (offence_country, home):
        JurisdictionProfile.objects.get_or_create(country=country)


@transaction.atomic
def load_tourism_demo() -> None:
    """Create the tourism demo world once; running it again changes nothing."""
    offence_country = "TH" if settings.INSTANCE_COUNTRY != "TH" else "KH"
    today = timezone.localdate()
    member = _company(
        CompanyInput(
            name="Demo Tours Example",
            kind="tour_operator",
            country=settings.INSTANCE_COUNTRY,
            website="https://tours.example.test",
            contact_email="child-protection@tours.example.test",
            code_member=True,
            member_since=date(today.year - 5, 3, 1),
        )
    )
    if not member.annual_reports.exists():
        evidence = {
            Criterion.POLICY: "Child-protection policy adopted by the board (demo).",
            Criterion.TRAINING: "All guides trained in the reporting year (demo).",
            Criterion.CONTRACT_CLAUSE: "Clause in every supplier contract (demo).",
            Criterion.TRAVELLER_INFORMATION: "Leaflet in every travel pack (demo).",
            Criterion.STAKEHOLDERS: "Meetings with local child-protection groups (demo).",
            Criterion.ANNUAL_REPORTING: "This report (demo).",
        }
        for year in (today.year - 2, today.year - 1):
            actions.record_annual_report(
                member,
                year=year,
                received_on=date(year + 1, 3, 15),
                criteria={c.value: ("met", evidence[c]) for c in Criterion},
                acting_user=None,
            )
    _company(
        CompanyInput(
            name="Demo Late Travel Agency",
            kind="travel_agent",
            country=settings.INSTANCE_COUNTRY,
            code_member=True,
            member_since=date(today.year - 6, 1, 1),
            contact_email="info@agency.example.test",
        )
    )
    _company(
        CompanyInput(
            name="Demo Beach Hotel",
            kind="hotel",
            country=offence_country,
            website="https://beach-hotel.example.test",
        )
    )
    _police_units(offence_country)
    if TravelReport.objects.filter(report__description__startswith=DEMO_MARKER).exists():
        return
    base = TravelReportInput(
        country=offence_country,
        city="Demo Bay",
        venue_type="hotel",
        venue_name="Demo Beach Hotel",
        occurred_on=today - timedelta(days=12),
        occurred_time=time(21, 30),
        observed=f"{DEMO_MARKER} a guest was seen taking a child of about ten to his room.",
        suspect_name="Demo Suspect",
        suspect_nationality=settings.INSTANCE_COUNTRY,
        suspect_plate="DEMO-123",
        company_involved="Demo Tours Example",
        children_count=1,
        child_age="6_11",
        reporter_country="DE" if settings.INSTANCE_COUNTRY != "DE" else "AT",
        contact="witness@reporter.example.test",
        consent_to_contact=True,
        language="en",
    )
    actions.file_travel_report(base, actor=None)
    actions.file_travel_report(
        TravelReportInput(
            country=offence_country,
            city="Demo Bay",
            venue_type="beach",
            occurred_on=today - timedelta(days=3),
            observed=f"{DEMO_MARKER} the same car was seen picking up children at the beach.",
            suspect_plate="demo 123",
            child_in_danger=True,
            language="en",
        ),
        actor=None,
    )
