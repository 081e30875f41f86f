"""Staff search: one box for a reference, a URL, a host or registrable domain, an IP address
or network, a hash, a hosting provider or a partner's reference.

What the query looks like decides where to look (``classify``); every result comes through
the owning app's ``visible_*`` helper, so a police liaison finds only their referrals and a
partner's staff nothing of ours. Lives in the assembly layer because it reads every app.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q, QuerySet

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff
from hotline.cases.models import Item, ItemKind, Report
from hotline.cases.queries import visible_items
from hotline.hosting.canonical import InvalidUrl, canonicalize
from hotline.hosting.models import IpObservation
from hotline.routing.models import HostingProvider, Referral
from hotline.routing.queries import visible_referrals
from hotline.takedown.models import Notice
from hotline.takedown.queries import visible_notices

LIMIT = 50
HEX = re.compile(r"^[0-9a-fA-F]+$")
REFERENCE = re.compile(r"^HL-[0-9A-Z-]+$", re.IGNORECASE)


class Kind(StrEnum):
    REFERENCE = "reference"
    URL = "url"
    HOST = "host"
    IP = "ip"
    NETWORK = "network"
    HASH = "hash"
    TEXT = "text"  # a provider's name or address, a partner's reference


def classify(query: str) -> Kind:
    """What kind of thing the query is, by its shape."""
    q = query.strip()
    if REFERENCE.match(q):
        return Kind.REFERENCE
    try:
        ipaddress.ip_address(q)
    except ValueError:
        pass
    else:
        return Kind.IP
    if "/" in q and not q.lower().startswith(("http:", "https:")):
        try:
            ipaddress.ip_network(q, strict=False)
        except ValueError:
            pass
        else:
            return Kind.NETWORK
    if HEX.match(q) and len(q) in (32, 40, 64):
        return Kind.HASH
    if "://" in q or ("/" in q and "." in q.split("/", 1)[0]):
        return Kind.URL
    if "." in q and " " not in q and "@" not in q:
        return Kind.HOST
    return Kind.TEXT


@dataclass
class Results:
    query: str
    kind: Kind
    items: list[Item] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    providers: list[HostingProvider] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.items)
            + len(self.referrals)
            + len(self.notices)
            + len(self.providers)
            + len(self.reports)
        )


def _items_in_network(
    items: QuerySet[Item], network: ipaddress.IPv4Network | ipaddress.IPv6Network
) -> QuerySet[Item]:
    # Addresses are stored as text on SQLite and inet on PostgreSQL; containment is checked
    # here, over the distinct addresses seen, so both behave alike.
    traces = {
        trace_id
        for ip, trace_id in IpObservation.objects.values_list("ip", "trace_id").distinct()
        if ipaddress.ip_address(ip) in network
    }
    return items.filter(hosting_trace_id__in=traces)


def _item_matches(user: User, query: str, kind: Kind) -> QuerySet[Item]:
    items = visible_items(user)
    if kind == Kind.URL:
        try:
            canonical = canonicalize(query)
        except InvalidUrl:
            return items.none()
        digest = hashlib.sha256(canonical.url.encode()).hexdigest()
        return items.filter(kind=ItemKind.URL, canonical_url_hash=digest)
    if kind == Kind.HOST:
        # A host finds itself and its subdomains; a registrable domain everything under it.
        host = query.lower().rstrip(".")
        return items.filter(
            Q(host=host) | Q(registrable_domain=host) | Q(host__endswith=f".{host}")
        )
    if kind == Kind.IP:
        address = str(ipaddress.ip_address(query))
        return items.filter(hosting_trace__observations__ip=address).distinct()
    if kind == Kind.NETWORK:
        return _items_in_network(items, ipaddress.ip_network(query, strict=False))
    if kind == Kind.HASH:
        # The length says which hash it is, so the lookup stays on that column's index; a
        # 64-digit value is a SHA-256 or else a PDQ hash.
        value = query.lower()
        column = {32: "md5", 40: "sha1", 64: "sha256"}[len(value)]
        found = items.filter(**{column: value})
        if column == "sha256" and not found.exists():
            return items.filter(pdq=value)
        return found
    if kind == Kind.REFERENCE:
        return items.filter(report_items__report__reference__iexact=query).distinct()
    return items.none()


def search(user: User, query: str) -> Results:
    """Everything this user may see that the query names, up to ``LIMIT`` of each kind."""
    q = query.strip()
    kind = classify(q)
    results = Results(query=q, kind=kind)
    if not q:
        return results
    results.items = list(
        _item_matches(user, q, kind).select_related("hosting_trace").order_by("-pk")[:LIMIT]
    )
    referrals = visible_referrals(user)
    if kind == Kind.TEXT or kind == Kind.REFERENCE:
        found = referrals.filter(
            Q(remote_reference__iexact=q)
            | Q(report__reference__iexact=q)
            | Q(hosting_provider__name__icontains=q)
            | Q(hosting_provider__abuse_email__iexact=q)
        )
        if q.isdigit():
            found = found | referrals.filter(pk=int(q))
        results.referrals = list(found.order_by("-pk")[:LIMIT])
    elif results.items:
        results.referrals = list(
            referrals.filter(item__in=[i.pk for i in results.items]).order_by("-pk")[:LIMIT]
        )
    staff = is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR)
    if staff and kind in (Kind.TEXT, Kind.HOST):
        providers = HostingProvider.objects.filter(
            Q(name__icontains=q) | Q(abuse_email__icontains=q)
        ).order_by("name")
        results.providers = list(providers[:LIMIT])
        results.notices = list(
            visible_notices(user)
            .filter(hosting_provider__in=[p.pk for p in results.providers])
            .order_by("-pk")[:LIMIT]
        )
    if staff and kind in (Kind.TEXT, Kind.REFERENCE):
        results.reports = list(
            Report.objects.filter(Q(reference__iexact=q) | Q(external_id=q))
            .select_related("submitted_by")
            .order_by("-received_at")[:LIMIT]
        )
    return results
