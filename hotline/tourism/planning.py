"""Who can act on a travel report: the referrals it calls for, each with its legal facts.

Every authority with a ground gets a referral: the police of the country where it
happened, the police of the suspect's nationality (active personality jurisdiction),
the police of the reporter's country of residence, and the partner hotline of the
country where it happened. One country's police get one referral that names every
ground it serves. Legal facts come from ``hotline.routing.legal`` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from hotline.routing.actions import ReportReferralPlan
from hotline.routing.legal import LegalFact, facts_for
from hotline.routing.models import Destination, Ground, Partner, PoliceChannel, PoliceUnit
from hotline.tourism.models import PartnerTravelContact, TravelReport

POLICE_GROUNDS = (
    Ground.PLACE_OF_OFFENCE,
    Ground.SUSPECT_NATIONALITY,
    Ground.REPORTER_RESIDENCE,
)


@dataclass(frozen=True)
class PlannedReferral:
    kind: str
    country: str
    police_unit: PoliceUnit | None = None
    partner: Partner | None = None
    recipient: str = ""
    also_grounds: tuple[str, ...] = ()
    problem: str = ""
    facts: list[LegalFact] = field(default_factory=list)

    @property
    def key(self) -> str:
        """How forms name this referral (stable while the report does not change)."""
        return f"{self.kind}:{self.country}"

    @property
    def kind_label(self) -> str:
        return str(Ground(self.kind).label)

    @property
    def also_labels(self) -> list[str]:
        return [str(Ground(k).label) for k in self.also_grounds]

    @property
    def destination(self) -> str:
        return Destination.PARTNER if self.kind == Ground.PARTNER_HOTLINE else Destination.POLICE

    def for_routing(self) -> ReportReferralPlan:
        """The plan as routing carries it out (one referral, every ground it serves)."""
        return ReportReferralPlan(
            destination=self.destination,
            country=self.country,
            grounds=(self.kind, *self.also_grounds),
            police_unit=self.police_unit,
            partner=self.partner,
            recipient=self.recipient,
            problem=self.problem,
        )

    @property
    def destination_name(self) -> str:
        if self.police_unit is not None:
            return self.police_unit.name
        return str(self.partner) if self.partner is not None else ""


def police_unit_for(country: str) -> tuple[PoliceUnit | None, str]:
    """The unit that takes travel cases for ``country``, else the INTERPOL channel (with a note)."""
    units = PoliceUnit.objects.filter(country=country, handles_travel=True).exclude(
        channel=PoliceChannel.INTERPOL
    )
    unit = units.exclude(email="").first() or units.first()
    if unit is not None:
        return unit, ""
    interpol_units = PoliceUnit.objects.filter(channel=PoliceChannel.INTERPOL)
    # our own national central bureau first: it passes the case to the other country's bureau
    interpol = (
        interpol_units.filter(country=settings.INSTANCE_COUNTRY).first() or interpol_units.first()
    )
    if interpol is not None:
        return interpol, _(
            "No police unit is known for %(country)s: sent through the INTERPOL channel."
        ) % {"country": country}
    return None, _("No police unit is known for %(country)s and no INTERPOL channel is set up.") % {
        "country": country
    }


def _recipient(unit: PoliceUnit | None) -> str:
    if unit is None or unit.channel == PoliceChannel.PORTAL:
        return ""
    return unit.email


def plan_referrals(travel: TravelReport) -> list[PlannedReferral]:
    """The referrals this report calls for, in a fixed order, with the facts to show beside each."""
    grounds = [
        (Ground.PLACE_OF_OFFENCE, travel.country),
        (Ground.SUSPECT_NATIONALITY, travel.suspect_nationality),
        (Ground.REPORTER_RESIDENCE, travel.reporter_country),
    ]
    planned: list[PlannedReferral] = []
    for kind, country in grounds:
        if not country:
            continue
        same = next((p for p in planned if p.country == country), None)
        if same is not None:
            planned[planned.index(same)] = PlannedReferral(
                kind=same.kind,
                country=same.country,
                police_unit=same.police_unit,
                recipient=same.recipient,
                also_grounds=(*same.also_grounds, kind),
                problem=same.problem,
                facts=same.facts,
            )
            continue
        unit, problem = police_unit_for(country)
        recipient = _recipient(unit)
        if unit is not None and not recipient and not problem:
            problem = _("This unit takes referrals by hand: a liaison hands it over.")
        planned.append(
            PlannedReferral(
                kind=kind,
                country=country,
                police_unit=unit,
                recipient=recipient,
                problem=problem,
                facts=facts_for(country),
            )
        )
    partner = next(
        (
            p
            for p in Partner.objects.filter(active=True).select_related("organisation")
            if p.covers(travel.country)
        ),
        None,
    )
    if partner is not None:
        contact = PartnerTravelContact.objects.filter(partner=partner).first()
        planned.append(
            PlannedReferral(
                kind=Ground.PARTNER_HOTLINE,
                country=travel.country,
                partner=partner,
                recipient=contact.email if contact else "",
                problem=""
                if contact
                else _("No e-mail address for travel referrals is recorded for this partner."),
                facts=facts_for(travel.country),
            )
        )
    return planned
