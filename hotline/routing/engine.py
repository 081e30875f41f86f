"""The routing decision: which destinations an assessed item goes to, and why.

Pure reads, no writes: ``plan(item)`` applies this instance's declarative rules
to the item's hosting country, the partner directory and the jurisdiction
profiles, and says what it would do. ``routing.actions.route_item`` carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.cases.models import Assessment, Confirmation, Item, ItemKind, Legality
from hotline.routing.models import (
    Condition,
    Destination,
    HostingProvider,
    JurisdictionProfile,
    Partner,
    PoliceChannel,
    PoliceUnit,
    RoutingRule,
)


@dataclass(frozen=True)
class PlannedReferral:
    destination: str
    country: str
    rule: RoutingRule | None
    police_unit: PoliceUnit | None = None
    partner: Partner | None = None
    hosting_provider: HostingProvider | None = None
    hold_until: datetime | None = None
    problem: str = ""  # why it cannot go out as planned (no contact known, ...)

    @property
    def destination_label(self) -> str:
        return str(Destination(self.destination).label)


@dataclass(frozen=True)
class Plan:
    item: Item
    condition: str
    hosting_country: str
    referrals: list[PlannedReferral] = field(default_factory=list)
    skipped: list[str] = field(
        default_factory=list
    )  # destinations the law or data rule out, with why


def final_assessment(item: Item) -> Assessment | None:
    return (
        item.assessments.filter(
            confirmation__in=[Confirmation.NOT_REQUIRED, Confirmation.CONFIRMED]
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def condition_for(country: str) -> tuple[str, Partner | None]:
    if not country:
        return Condition.HOSTING_UNKNOWN, None
    if country == settings.INSTANCE_COUNTRY:
        return Condition.HOSTED_HOME, None
    partner = next((p for p in Partner.objects.filter(active=True) if p.covers(country)), None)
    if partner is not None:
        return Condition.HOSTED_PARTNER, partner
    return Condition.HOSTED_NO_PARTNER, None


def profile(country: str) -> JurisdictionProfile | None:
    return JurisdictionProfile.objects.filter(country=country).first() if country else None


def abuse_provider(item: Item) -> HostingProvider | None:
    """The hosting provider to notify: from the trace's abuse contact (RDAP), kept in the directory."""
    trace = item.hosting_trace
    if trace is None:
        return None
    observation = (
        trace.observations.filter(abuse_contact__email__gt="")
        .select_related("abuse_contact")
        .first()
    )
    if observation is None or observation.abuse_contact is None:
        return None
    contact = observation.abuse_contact
    provider = HostingProvider.objects.filter(abuse_email__iexact=contact.email).first()
    return provider or HostingProvider(
        name=contact.name or observation.as_org or contact.email,
        abuse_email=contact.email,
        country=observation.country,
        asn=observation.asn,
        source="rdap",
    )


def plan(item: Item, *, now: datetime | None = None) -> Plan:
    """What the rules say for this item. Only illegal, finally assessed items are routed."""
    now = now or timezone.now()
    assessment = final_assessment(item)
    country = item.hosting_country
    condition, partner = condition_for(country)
    result = Plan(item, condition, country)
    if assessment is None or assessment.legality not in (Legality.BASELINE, Legality.NATIONAL):
        result.skipped.append(_("not routed: no final verdict of illegal material"))
        return result
    home = profile(settings.INSTANCE_COUNTRY)
    rules = RoutingRule.objects.filter(enabled=True, condition__in=[condition, Condition.ALWAYS])
    seen: set[str] = set()
    for rule in rules:
        for destination in rule.destinations:
            if destination in seen:
                continue
            seen.add(destination)
            planned = _plan_destination(
                destination, item, assessment, rule, country, partner, home, now
            )
            if isinstance(planned, str):
                result.skipped.append(planned)
            else:
                result.referrals.append(planned)
    return result


def _plan_destination(
    destination: str,
    item: Item,
    assessment: Assessment,
    rule: RoutingRule,
    country: str,
    partner: Partner | None,
    home: JurisdictionProfile | None,
    now: datetime,
) -> PlannedReferral | str:
    own = settings.INSTANCE_COUNTRY
    if destination == Destination.POLICE:
        unit = (
            PoliceUnit.objects.filter(country=own, handles_online=True)
            .exclude(channel=PoliceChannel.INTERPOL)
            .first()
        )
        return PlannedReferral(
            destination,
            own,
            rule,
            police_unit=unit,
            problem="" if unit else _("no police unit for our country"),
        )
    if destination == Destination.INTERPOL:
        unit = PoliceUnit.objects.filter(channel=PoliceChannel.INTERPOL).first()
        return PlannedReferral(
            destination,
            country,
            rule,
            police_unit=unit,
            problem="" if unit else _("no INTERPOL channel configured"),
        )
    if destination == Destination.PARTNER:
        if partner is None:
            return _("No forward to a partner hotline: no partner covers the hosting country")
        return PlannedReferral(destination, country, rule, partner=partner)
    if destination == Destination.NOTICE:
        if item.kind != ItemKind.URL:
            return _("No notice: only web addresses can be noticed")
        provider = abuse_provider(item)
        hold_until = None
        jurisdiction = profile(country) if country else None
        police_first = (
            jurisdiction
            if jurisdiction and jurisdiction.police_first
            else (home if home and home.police_first and country == own else None)
        )
        if police_first is not None:
            hold_until = now + timedelta(hours=police_first.police_hold_hours)
        return PlannedReferral(
            destination,
            country,
            rule,
            hosting_provider=provider,
            hold_until=hold_until,
            problem=""
            if provider
            else _("no abuse contact known: enter the hosting provider by hand"),
        )
    if destination == Destination.BLOCKLIST:
        if item.kind != ItemKind.URL:
            return _("No blocklist entry: only web addresses can be blocked")
        if home is None or not home.blocking_allowed:
            return _("No blocklist entry: blocking is not allowed in our jurisdiction")
        if assessment.legality != Legality.BASELINE and not home.legal_facts.get(
            "block_national", False
        ):
            return _("No blocklist entry: only baseline material is blocked")
        return PlannedReferral(destination, own, rule)
    if destination == Destination.HASHLIST:
        if item.kind != ItemKind.FILE:
            return _("No hash-list entry: only files have hashes")
        if assessment.legality != Legality.BASELINE:
            return _("No hash-list entry: only baseline material goes on shared hash lists")
        return PlannedReferral(destination, own, rule)
    return _("%(destination)s: unknown destination") % {"destination": destination}
