"""Writes of the hosting app: storing a hosting trace."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import EventSpec, record_many
from hotline.hosting.cdn import cdn_list
from hotline.hosting.ipinfo import IpInfoProvider, default_ip_info
from hotline.hosting.models import AbuseContact, AbuseKind, HostingTrace, IpObservation
from hotline.hosting.rdap import RdapClient
from hotline.hosting.resolvers import Resolver, get_resolver
from hotline.hosting.trace import TraceFindings, gather_trace

__all__ = ["look_up_host", "store_trace", "store_traces", "trace_host"]

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
    return store_traces([findings], acting_user=acting_user)[0]


# No savepoint of its own: inside a caller's transaction (an enrichment batch storing traces
# and linking its items in one commit) a failure here fails the caller's whole transaction.
@transaction.atomic(savepoint=False)
def store_traces(
    findings: Sequence[TraceFindings], *, acting_user: User | None
) -> list[HostingTrace]:
    """``store_trace`` for several lookups at once (a worker's batch of items): one trace each,
    in order, written with one multi-row INSERT per table and one for their audit events."""
    traces = HostingTrace.objects.bulk_create(
        [
            HostingTrace(
                host=found.host,
                registrable_domain=found.registrable_domain or "",
                looked_up_at=found.looked_up_at,
                resolver=found.resolver[:200],
                error=found.resolution.error,
            )
            for found in findings
        ]
    )
    # Each trace's contacts, one per (kind, query); created first, the addresses point at them.
    contacts: list[dict[tuple[str, str], AbuseContact]] = []
    for trace, found in zip(traces, findings, strict=True):
        own: dict[tuple[str, str], AbuseContact] = {}
        lookups = [finding.abuse for finding in found.addresses] + [found.registrar_abuse]
        for lookup in lookups:
            if lookup is not None and (lookup.kind, lookup.query) not in own:
                own[(lookup.kind, lookup.query)] = AbuseContact(
                    trace=trace,
                    kind=AbuseKind(lookup.kind),
                    query=lookup.query[:_TEXT_LIMIT],
                    email=lookup.email[:254],
                    name=lookup.name[:_TEXT_LIMIT],
                    source=lookup.source[:500],
                    fetched_at=lookup.fetched_at,
                    error=lookup.error,
                )
        contacts.append(own)
    AbuseContact.objects.bulk_create([c for own in contacts for c in own.values()])
    observations = []
    for trace, found, own in zip(traces, findings, contacts, strict=True):
        for position, finding in enumerate(found.addresses):
            info, cdn, abuse = finding.info, finding.cdn, finding.abuse
            observations.append(
                IpObservation(
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
                    abuse_contact=own[(abuse.kind, abuse.query)] if abuse is not None else None,
                )
            )
    IpObservation.objects.bulk_create(observations)
    record_many(
        [
            EventSpec(
                "hosting.trace",
                obj=trace,
                detail={
                    "host": trace.host,
                    "addresses": [finding.info.ip for finding in found.addresses],
                    "error": trace.error,
                },
            )
            for trace, found in zip(traces, findings, strict=True)
        ],
        actor=acting_user,
    )
    return traces


def _cdn_source() -> str:
    return cdn_list().source_note[:_TEXT_LIMIT]
