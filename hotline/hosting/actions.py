"""Writes of the hosting app: storing a hosting trace."""

from __future__ import annotations

from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.hosting.cdn import cdn_list
from hotline.hosting.ipinfo import IpInfoProvider, default_ip_info
from hotline.hosting.models import AbuseContact, AbuseKind, HostingTrace, IpObservation
from hotline.hosting.rdap import AbuseLookup, RdapClient
from hotline.hosting.resolvers import Resolver, get_resolver
from hotline.hosting.trace import TraceFindings, gather_trace

__all__ = ["look_up_host", "store_trace", "trace_host"]

_TEXT_LIMIT = 255


def trace_host(
    host: str,
    *,
    resolver: Resolver | None = None,
    ip_info: IpInfoProvider | None = None,
    rdap: RdapClient | None = None,
    acting_user: User | None = None,
) -> HostingTrace:
    """Trace ``host`` (resolve it; country, AS, CDN flag and abuse contact of each address;
    the registrar's abuse contact) and store the result with its audit event.

    The lookups run outside any transaction; the storing is atomic. ``None`` means the
    configured one: ``HOSTING_RESOLVER``, the IP data settings, ``HOSTING_RDAP_URL``.
    Raises ``InvalidUrl`` for a ``host`` that is no host name or address; lookup failures are
    stored on the trace (``error``) rather than raised.
    """
    findings = look_up_host(host, resolver=resolver, ip_info=ip_info, rdap=rdap)
    return store_trace(findings, acting_user=acting_user)


def look_up_host(
    host: str,
    *,
    resolver: Resolver | None = None,
    ip_info: IpInfoProvider | None = None,
    rdap: RdapClient | None = None,
) -> TraceFindings:
    """The lookups of ``trace_host`` (``None``: the configured one), stored nothing: a caller
    that stores the trace together with its own change runs them outside its transaction,
    then ``store_trace`` inside it."""
    return gather_trace(
        host,
        resolver=resolver if resolver is not None else get_resolver(),
        ip_info=ip_info if ip_info is not None else default_ip_info(),
        rdap=rdap if rdap is not None else RdapClient.from_settings(),
    )


@transaction.atomic
def store_trace(findings: TraceFindings, *, acting_user: User | None) -> HostingTrace:
    """Store what ``gather_trace`` found: the trace, its addresses and abuse contacts, audited."""
    trace = HostingTrace.objects.create(
        host=findings.host,
        registrable_domain=findings.registrable_domain or "",
        looked_up_at=findings.looked_up_at,
        resolver=findings.resolver[:200],
        error=findings.resolution.error,
    )
    contacts: dict[tuple[str, str], AbuseContact] = {}

    def contact_for(lookup: AbuseLookup | None) -> AbuseContact | None:
        if lookup is None:
            return None
        key = (lookup.kind, lookup.query)
        if key not in contacts:
            contacts[key] = AbuseContact.objects.create(
                trace=trace,
                kind=AbuseKind(lookup.kind),
                query=lookup.query[:_TEXT_LIMIT],
                email=lookup.email[:254],
                name=lookup.name[:_TEXT_LIMIT],
                source=lookup.source[:500],
                fetched_at=lookup.fetched_at,
                error=lookup.error,
            )
        return contacts[key]

    for position, finding in enumerate(findings.addresses):
        info, cdn = finding.info, finding.cdn
        IpObservation.objects.create(
            trace=trace,
            position=position,
            ip=info.ip,
            country=info.country or "",
            country_source=info.country_source[:_TEXT_LIMIT],
            country_data_date=info.country_data_date,
            asn=info.asn,
            as_org=info.as_org[:_TEXT_LIMIT],
            asn_source=info.asn_source[:_TEXT_LIMIT],
            asn_data_date=info.asn_data_date,
            is_cdn=cdn is not None,
            cdn_name=cdn.name if cdn else "",
            cdn_kind=cdn.kind if cdn else "",
            cdn_source=_cdn_source() if cdn else "",
            abuse_contact=contact_for(finding.abuse),
        )
    contact_for(findings.registrar_abuse)
    record(
        "hosting.trace",
        actor=acting_user,
        obj=trace,
        detail={
            "host": trace.host,
            "addresses": [finding.info.ip for finding in findings.addresses],
            "error": trace.error,
        },
    )
    return trace


def _cdn_source() -> str:
    return cdn_list().source_note[:_TEXT_LIMIT]
