"""A small travel world: an offence in TH by a DE national, reported by a BE resident.

Legal facts here are synthetic fixtures with a synthetic source, not statements about
any country's law.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from hotline.accounts.actions import create_organisation
from hotline.accounts.models import Organisation, OrganisationKind
from hotline.routing.legal import DUAL_CRIMINALITY, EXTRADITION, EXTRATERRITORIAL
from hotline.routing.models import JurisdictionProfile, Partner, PoliceUnit
from hotline.tourism.actions import FiledTravelReport, TravelReportInput, file_travel_report
from hotline.tourism.models import PartnerTravelContact

SOURCE = "Synthetic legal matrix for tests (legal.example.test)"


def fact(value: bool | str) -> dict[str, Any]:
    return {"value": value, "source": SOURCE, "checked_on": "2026-01-15"}


@dataclass
class TravelWorld:
    offence_police: PoliceUnit  # TH
    nationality_police: PoliceUnit  # DE
    residence_police: PoliceUnit  # BE


def police_org(name: str, country: str) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    return existing or create_organisation(
        name=name, kind=OrganisationKind.LAW_ENFORCEMENT, country=country, acting_user=None
    )


def travel_world(*, nationality_org: Organisation | None = None) -> TravelWorld:
    """Police units and jurisdiction profiles for TH, DE and BE (BE has no facts on record)."""
    JurisdictionProfile.objects.create(
        country="TH",
        emergency_number="191",
        legal_facts={
            EXTRATERRITORIAL: fact(False),
            DUAL_CRIMINALITY: fact(True),
            EXTRADITION: fact(False),
        },
    )
    JurisdictionProfile.objects.create(
        country="DE",
        emergency_number="110",
        legal_facts={
            EXTRATERRITORIAL: fact(True),
            DUAL_CRIMINALITY: fact(False),
            # recorded without a source: must show as unknown
            EXTRADITION: {"value": True, "source": ""},
        },
    )
    JurisdictionProfile.objects.create(country="BE")
    return TravelWorld(
        offence_police=PoliceUnit.objects.create(
            organisation=police_org("Police TH", "TH"),
            name="Tourist police TH",
            country="TH",
            email="travel@police-th.example.test",
        ),
        nationality_police=PoliceUnit.objects.create(
            organisation=nationality_org or police_org("Police DE", "DE"),
            name="Child protection unit DE",
            country="DE",
            email="cst@police-de.example.test",
        ),
        residence_police=PoliceUnit.objects.create(
            organisation=police_org("Police BE", "BE"),
            name="Federal police BE",
            country="BE",
            email="cst@police-be.example.test",
        ),
    )


def partner_for(country: str, *, email: str = "") -> Partner:
    org = create_organisation(
        name=f"Partner hotline {country}",
        kind=OrganisationKind.HOTLINE,
        country=country,
        acting_user=None,
    )
    partner = Partner.objects.create(
        organisation=org,
        base_url=f"https://hotline-{country.lower()}.example.test",
        key_id=f"ed25519:{country.lower()}",
        public_key="unused-here",
        countries=[country],
    )
    if email:
        PartnerTravelContact.objects.create(partner=partner, email=email)
    return partner


REPORT = TravelReportInput(
    country="TH",
    city="Synthetic Bay",
    venue_type="hotel",
    venue_name="Hotel Example",
    occurred_on=date(2026, 3, 14),
    observed="Synthetic test report: an adult guest took a child to his room.",
    suspect_name="Jon Example",
    suspect_nationality="DE",
    suspect_plate="EX-AMPLE 42",
    reporter_country="BE",
    contact="witness@reporter.example.test",
    consent_to_contact=True,
    willing_to_give_statement=True,
    language="en",
)


def file(**changes: Any) -> FiledTravelReport:
    return file_travel_report(replace(REPORT, **changes), actor=None)
