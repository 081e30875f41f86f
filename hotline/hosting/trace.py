"""Hosting trace: resolve a host, then for each address its country, autonomous system, CDN flag
and abuse contact, and the registrar's abuse contact for the domain.

``gather_trace`` only looks things up (DNS, IP data, RDAP) and touches no database, so the slow
network part never holds a transaction open; ``hotline.hosting.actions.trace_host`` stores what
it found.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from hotline.hosting.canonical import InvalidUrl, canonicalize
from hotline.hosting.cdn import CdnNetwork, find_cdn
from hotline.hosting.domains import registrable_domain
from hotline.hosting.ipinfo import IpInfo, IpInfoProvider
from hotline.hosting.rdap import AbuseLookup, RdapClient
from hotline.hosting.resolvers import Resolution, Resolver

__all__ = ["MAX_ABUSE_LOOKUPS", "IpFinding", "TraceFindings", "gather_trace", "normalize_host"]

# Addresses of one host nearly always share a network and its abuse contact; asking RDAP for
# every one of a long list would only slow the trace down.
MAX_ABUSE_LOOKUPS = 4
MAX_HOST_LENGTH = 253


@dataclass(frozen=True)
class IpFinding:
    """What was found for one address."""

    info: IpInfo
    cdn: CdnNetwork | None
    abuse: AbuseLookup | None


@dataclass(frozen=True)
class TraceFindings:
    """Everything a trace found, ready to be stored."""

    host: str
    registrable_domain: str | None
    looked_up_at: datetime
    resolver: str
    resolution: Resolution
    addresses: tuple[IpFinding, ...]
    registrar_abuse: AbuseLookup | None


def normalize_host(host: str) -> str:
    """The canonical form of a host name or IP address (``InvalidUrl`` if it is neither)."""
    text = host.strip()
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    if not text or any(separator in text for separator in "/?#@"):
        raise InvalidUrl(f"{host!r} is not a host name; expected a name such as example.test.")
    canonical = canonicalize(f"http://{text}/")
    if len(canonical.host) > MAX_HOST_LENGTH:
        raise InvalidUrl("A host name has at most 253 characters.")
    return canonical.host


def gather_trace(
    host: str, *, resolver: Resolver, ip_info: IpInfoProvider, rdap: RdapClient | None
) -> TraceFindings:
    """Look up everything about ``host`` (a name or an IP address); never touches the database.

    Raises ``InvalidUrl`` only for a ``host`` that is no host at all; every lookup failure is
    recorded in the findings instead.
    """
    name = normalize_host(host)
    looked_up_at = timezone.now()
    resolution = resolver.resolve(name)
    findings = []
    for index, address in enumerate(resolution.addresses):
        info = ip_info.lookup(address)
        abuse = None
        if rdap is not None and index < MAX_ABUSE_LOOKUPS:
            abuse = rdap.abuse_contact("ip", address)
        findings.append(IpFinding(info=info, cdn=find_cdn(info.asn, info.as_org), abuse=abuse))
    domain = registrable_domain(name)
    registrar_abuse = rdap.abuse_contact("domain", domain) if rdap is not None and domain else None
    return TraceFindings(
        host=name,
        registrable_domain=domain,
        looked_up_at=looked_up_at,
        resolver=resolver.name,
        resolution=resolution,
        addresses=tuple(findings),
        registrar_abuse=registrar_abuse,
    )
