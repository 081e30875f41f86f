"""A small routing world (home FR, partner hotline DE, no partner for BR) and referrals made
by routing itself: an item assessed through ``assess_item`` is routed by the product's own
verdict hook, and a delivered referral's outbox message goes through the real outbox delivery
(Django's test mail backend is the receiving end)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import factory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hotline.accounts.models import Organisation, OrganisationKind
from hotline.cases.models import Item
from hotline.outbox.actions import deliver_due
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.federation.actions import add_partner
from hotline.routing.models import (
    Destination,
    JurisdictionProfile,
    Partner,
    PoliceChannel,
    PoliceUnit,
    Referral,
)
from tests.factories.cases import DEFAULT_ABUSE, AssessedItemFactory, reported_item


@dataclass
class RoutingWorld:
    police: PoliceUnit
    interpol: PoliceUnit
    partner: Partner
    home: JurisdictionProfile


def _public_key_text() -> str:
    """A fresh Ed25519 public key in the compact form partners exchange (base64url, raw)."""
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _partner_de() -> Partner:
    existing = Partner.objects.filter(organisation__country="DE").first()
    if existing is not None:
        return existing
    # A German hotline already registered here (the ``world`` fixture's Hotline B) becomes
    # the partner; otherwise ``add_partner`` registers one.
    organisation = Organisation.objects.filter(
        country="DE", kind=OrganisationKind.HOTLINE, is_own=False
    ).first()
    return add_partner(
        name=organisation.name if organisation else "Partner DE",
        country="DE",
        base_url="https://partner.example.test",
        public_key=_public_key_text(),
        countries=["DE", "AT"],
        acting_user=None,
    )


def routing_world(*, police_first_hours: int = 0) -> RoutingWorld:
    """Home FR (blocking allowed, optional police-first hold), its police unit and INTERPOL
    NCB, and the partner hotline for DE and AT. Asking again returns the same world.

    Police units and jurisdiction profiles are configuration that only the admin edits (no
    action owns them), so they are stored directly; the partner goes through ``add_partner``.
    """
    police, _ = PoliceUnit.objects.get_or_create(
        name="Police FR", country="FR", defaults={"email": "police@example.test"}
    )
    interpol, _ = PoliceUnit.objects.get_or_create(
        name="NCB FR",
        country="FR",
        defaults={"email": "ncb@example.test", "channel": PoliceChannel.INTERPOL},
    )
    home, _ = JurisdictionProfile.objects.update_or_create(
        country="FR",
        defaults={
            "blocking_allowed": True,
            "police_first": police_first_hours > 0,
            "police_hold_hours": police_first_hours,
        },
    )
    return RoutingWorld(police=police, interpol=interpol, partner=_partner_de(), home=home)


def hosted_item(url: str, *, country: str, abuse_email: str = DEFAULT_ABUSE) -> Item:
    """A reported URL already traced to ``country``, with an abuse contact from RDAP."""
    return reported_item(url, hosted_in=country, abuse_email=abuse_email)


def deliver_outbox() -> int:
    """Deliver every due outbox message, as a worker does; returns how many were attempted."""
    attempted = 0
    while batch := deliver_due("test-worker"):
        attempted += batch
    return attempted


class ReferralFactory(factory.Factory[Referral]):
    """The referral routing made for an assessed item (police by default).

    Builds the home routing world if needed, files and traces a report hosted in
    ``hosted_in`` (FR: police, notice and blocklist follow), assesses it through
    ``assess_item`` (``legality`` or a whole ``verdict``) and returns the item's referral to ``destination``. ``delivered=True``
    also delivers the outbox (the police e-mail reaches Django's mail outbox)."""

    class Meta:
        model = Referral

    url = factory.Sequence(lambda n: f"http://referred{n}.example.test/page")
    hosted_in = "FR"
    abuse_email = DEFAULT_ABUSE
    destination = Destination.POLICE
    legality = "baseline"
    verdict = None
    analyst = None
    police_first_hours: int | None = None  # None: keep the routing world as it is
    delivered = False

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        hours = kwargs["police_first_hours"]
        if hours is not None or not JurisdictionProfile.objects.filter(country="FR").exists():
            routing_world(police_first_hours=hours or 0)
        item = AssessedItemFactory.create(
            url=kwargs["url"],
            hosted_in=kwargs["hosted_in"],
            abuse_email=kwargs["abuse_email"],
            legality=kwargs["legality"],
            verdict=kwargs["verdict"],
            analyst=kwargs["analyst"],
        )
        referral = Referral.objects.get(item=item, destination=kwargs["destination"])
        if kwargs["delivered"]:
            deliver_outbox()
            referral.refresh_from_db()
        return referral


def delivered_referral(**options: Any) -> Referral:
    """A police referral whose e-mail was delivered by the outbox (checked, so a test built on
    it never starts from an undelivered message)."""
    referral: Referral = ReferralFactory.create(delivered=True, **options)
    if referral.destination in (Destination.POLICE, Destination.INTERPOL):
        messages = OutboxMessage.objects.filter(
            related_type="routing.referral", related_id=str(referral.pk)
        )
        statuses = [m.status for m in messages]
        assert statuses == [MessageStatus.DELIVERED], f"referral not delivered: {statuses}"
    return referral
