"""A small routing world: home FR, partner hotline DE, no partner for BR."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from hotline.accounts.actions import create_organisation
from hotline.accounts.models import Organisation, OrganisationKind
from hotline.cases.actions import ReportInput, file_report
from hotline.cases.models import Channel, Concern, Item
from hotline.hosting.models import AbuseContact, AbuseKind, HostingTrace, IpObservation
from hotline.routing.models import JurisdictionProfile, Partner, PoliceChannel, PoliceUnit


@dataclass
class RoutingWorld:
    police: PoliceUnit
    interpol: PoliceUnit
    partner: Partner
    home: JurisdictionProfile


def routing_world(*, police_first_hours: int = 0) -> RoutingWorld:
    partner_org = Organisation.objects.filter(
        country="DE", kind=OrganisationKind.HOTLINE
    ).first() or (
        create_organisation(
            name="Partner DE", kind=OrganisationKind.HOTLINE, country="DE", acting_user=None
        )
    )
    return RoutingWorld(
        police=PoliceUnit.objects.create(
            name="Police FR", country="FR", email="police@example.test"
        ),
        interpol=PoliceUnit.objects.create(
            name="NCB FR", country="FR", email="ncb@example.test", channel=PoliceChannel.INTERPOL
        ),
        partner=Partner.objects.create(
            organisation=partner_org,
            base_url="https://partner.example.test",
            key_id="ed25519:partner",
            public_key="unused-here",
            countries=["DE", "AT"],
        ),
        home=JurisdictionProfile.objects.create(
            country="FR",
            blocking_allowed=True,
            police_first=police_first_hours > 0,
            police_hold_hours=police_first_hours,
        ),
    )


def hosted_item(url: str, *, country: str, abuse_email: str = "abuse@host.example.test") -> Item:
    """A reported URL already traced to ``country``, with an abuse contact from RDAP."""
    item = file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=[url]), actor=None
    ).new_items[0]
    trace = HostingTrace.objects.create(
        host=item.host, looked_up_at=timezone.now(), resolver="static"
    )
    contact = AbuseContact.objects.create(
        trace=trace,
        kind=AbuseKind.values[0],
        query="192.0.2.10",
        email=abuse_email,
        name=f"Hosting {country}",
        source="test RDAP",
        fetched_at=timezone.now(),
    )
    IpObservation.objects.create(
        trace=trace,
        position=0,
        ip="192.0.2.10",
        country=country,
        asn=64500,
        as_org=f"Hosting {country}",
        abuse_contact=contact,
    )
    Item.objects.filter(pk=item.pk).update(hosting_trace=trace, hosting_country=country)
    item.refresh_from_db()
    return item
