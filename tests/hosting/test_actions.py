"""trace_host: the lookups end to end (static or real local DNS, static IP data, a real local
RDAP server), stored atomically with an audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import models

from hotline.audit.models import AuditEvent
from hotline.hosting import ipinfo
from hotline.hosting.actions import look_up_host, store_trace, store_traces, trace_host
from hotline.hosting.canonical import InvalidUrl
from hotline.hosting.cdn import cdn_list
from hotline.hosting.ipinfo import EmbeddedIpInfo, StaticIpInfo, StaticNetwork
from hotline.hosting.models import AbuseContact, HostingTrace, IpObservation
from hotline.hosting.queries import hosting_country, latest_trace
from hotline.hosting.rdap import RdapClient
from hotline.hosting.resolvers import StaticResolver
from tests.conftest import World
from tests.hosting.servers import (
    DnsServer,
    RdapServer,
    rdap_domain,
    rdap_ip_network,
    running_dns_server,
)

HOSTS = {
    "www.example.test": ["203.0.113.20", "198.51.100.7"],
    "doc.example.test": ["192.0.2.10", "2001:db8::10"],
    "edge.example.test": ["198.51.100.7", "198.51.100.8"],
}
IPS = StaticIpInfo(
    {
        "198.51.100.0/24": StaticNetwork("US", 13335, "CLOUDFLARENET"),
        "203.0.113.0/24": StaticNetwork("NL", 64500, "Example Hosting B.V."),
    },
    source="test table",
    data_date=date(2026, 11, 1),
    fallback=EmbeddedIpInfo(),
)
CDN_SOURCE = cdn_list().source_note


@pytest.fixture
def rdap(rdap_server: RdapServer) -> RdapClient:
    rdap_server.routes.update(
        {
            "/ip/203.0.113.20": (
                200,
                rdap_ip_network("203.0.113.0", "203.0.113.255", "abuse@hosting.example.test"),
            ),
            "/ip/198.51.100.7": (
                200,
                rdap_ip_network("198.51.100.0", "198.51.100.255", "abuse@cdn.example.test"),
            ),
            "/domain/example.test": (
                200,
                rdap_domain("example.test", "abuse@registrar.example.test"),
            ),
        }
    )
    return RdapClient(rdap_server.url, timeout=2)


def _observations(trace: HostingTrace) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in trace.observations.order_by("position").values(
            "position",
            "ip",
            "country",
            "country_source",
            "country_data_date",
            "asn",
            "as_org",
            "is_cdn",
            "cdn_name",
            "cdn_kind",
            "cdn_source",
            "abuse_contact__email",
        )
    ]


@pytest.mark.django_db
def test_trace_host_stores_addresses_cdn_flags_and_abuse_contacts(
    world: World, rdap: RdapClient
) -> None:
    trace = trace_host(
        "WWW.Example.TEST.",
        resolver=StaticResolver(HOSTS),
        ip_info=IPS,
        rdap=rdap,
        acting_user=world.alice,
    )

    trace.refresh_from_db()
    assert (trace.host, trace.registrable_domain, trace.resolver, trace.error) == (
        "www.example.test",
        "example.test",
        "static",
        "",
    )
    assert _observations(trace) == [
        {
            "position": 0,
            "ip": "198.51.100.7",
            "country": "US",
            "country_source": "test table",
            "country_data_date": date(2026, 11, 1),
            "asn": 13335,
            "as_org": "CLOUDFLARENET",
            "is_cdn": True,
            "cdn_name": "Cloudflare",
            "cdn_kind": "cdn",
            "cdn_source": CDN_SOURCE,
            "abuse_contact__email": "abuse@cdn.example.test",
        },
        {
            "position": 1,
            "ip": "203.0.113.20",
            "country": "NL",
            "country_source": "test table",
            "country_data_date": date(2026, 11, 1),
            "asn": 64500,
            "as_org": "Example Hosting B.V.",
            "is_cdn": False,
            "cdn_name": "",
            "cdn_kind": "",
            "cdn_source": "",
            "abuse_contact__email": "abuse@hosting.example.test",
        },
    ]
    assert list(trace.abuse_contacts.values_list("kind", "query", "email", "error")) == [
        ("ip", "198.51.100.7", "abuse@cdn.example.test", ""),
        ("ip", "203.0.113.20", "abuse@hosting.example.test", ""),
        ("domain", "example.test", "abuse@registrar.example.test", ""),
    ]
    assert hosting_country(trace) == "NL"


@pytest.mark.django_db
def test_trace_host_writes_audit_event(world: World, rdap: RdapClient) -> None:
    trace = trace_host(
        "www.example.test",
        resolver=StaticResolver(HOSTS),
        ip_info=IPS,
        rdap=rdap,
        acting_user=world.alice,
    )

    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        "hosting.trace",
        "user:alice",
        "hosting.hostingtrace",
        str(trace.pk),
    )
    assert event.detail == {
        "host": "www.example.test",
        "addresses": ["198.51.100.7", "203.0.113.20"],
        "error": "",
    }


@pytest.mark.django_db
def test_trace_host_documentation_addresses_have_unknown_country(settings: Any) -> None:
    settings.HOSTING_RDAP_URL = ""

    trace = trace_host("doc.example.test", resolver=StaticResolver(HOSTS), ip_info=IPS)

    source = "IANA special-purpose address registry: documentation range"
    assert list(
        trace.observations.values_list("ip", "country", "country_source", "is_cdn", "abuse_contact")
    ) == [
        ("192.0.2.10", "", source, False, None),
        ("2001:db8::10", "", source, False, None),
    ]
    assert trace.abuse_contacts.count() == 0
    assert hosting_country(trace) is None


@pytest.mark.django_db
def test_trace_host_only_cdn_addresses_has_no_hosting_country(settings: Any) -> None:
    settings.HOSTING_RDAP_URL = ""

    trace = trace_host("edge.example.test", resolver=StaticResolver(HOSTS), ip_info=IPS)

    assert list(trace.observations.values_list("is_cdn", flat=True)) == [True, True]
    assert hosting_country(trace) is None


@pytest.mark.django_db
def test_trace_host_unresolvable_host_stores_error(
    rdap: RdapClient, rdap_server: RdapServer
) -> None:
    trace = trace_host("gone.example.test", resolver=StaticResolver(HOSTS), ip_info=IPS, rdap=rdap)

    assert trace.error == "no such domain (not in the static table)"
    assert trace.observations.count() == 0
    assert list(trace.abuse_contacts.values_list("kind", "email")) == [
        ("domain", "abuse@registrar.example.test")
    ]
    assert hosting_country(trace) is None


@pytest.mark.django_db
def test_trace_host_ip_address_skips_dns_and_domain(rdap: RdapClient) -> None:
    trace = trace_host("[2001:DB8::10]", resolver=StaticResolver({}), ip_info=IPS, rdap=rdap)

    assert (trace.host, trace.registrable_domain) == ("2001:db8::10", "")
    assert list(trace.observations.values_list("ip", flat=True)) == ["2001:db8::10"]
    assert list(trace.abuse_contacts.values_list("kind", "query", "error")) == [
        ("ip", "2001:db8::10", "no RDAP record for 2001:db8::10")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["", "http://example.test/", "a@b.example.test", "x" * 254 + ".test"]
)
def test_trace_host_rejects_non_host_and_stores_nothing(host: str) -> None:
    with pytest.raises(InvalidUrl):
        trace_host(host, resolver=StaticResolver(HOSTS), ip_info=IPS)

    assert (HostingTrace.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_trace_host_from_settings_with_real_dns_and_rdap(
    settings: Any, rdap_server: RdapServer, rdap: RdapClient
) -> None:
    ipinfo._database_provider.cache_clear()
    settings.HOSTING_RESOLVER = "dns"
    settings.HOSTING_DNS_TIMEOUT = 2
    settings.HOSTING_RDAP_URL = rdap_server.url
    settings.HOSTING_RDAP_TIMEOUT = 2
    settings.HOSTING_MMDB_COUNTRY = ""
    settings.HOSTING_MMDB_ASN = ""
    settings.HOSTING_STATIC_IPS = {"203.0.113.0/24": {"country": "NL", "asn": 64500}}
    with running_dns_server(DnsServer({"www.example.test": ["203.0.113.20"]})) as dns_server:
        settings.HOSTING_DNS_SERVERS = [dns_server.address]

        trace = trace_host("www.example.test")

    assert trace.resolver == f"dns via {dns_server.address}"
    assert list(trace.observations.values_list("ip", "country", "country_source", "asn")) == [
        ("203.0.113.20", "NL", "HOSTING_STATIC_IPS", 64500)
    ]
    assert list(trace.abuse_contacts.values_list("email", flat=True)) == [
        "abuse@hosting.example.test",
        "abuse@registrar.example.test",
    ]
    assert hosting_country(trace) == "NL"


@pytest.mark.django_db
def test_latest_trace_is_newest(settings: Any) -> None:
    settings.HOSTING_RDAP_URL = ""
    trace_host("www.example.test", resolver=StaticResolver(HOSTS), ip_info=IPS)
    newest = trace_host("www.example.test", resolver=StaticResolver(HOSTS), ip_info=IPS)

    assert latest_trace("www.example.test") == newest
    assert latest_trace("other.example.test") is None


@pytest.mark.django_db
def test_trace_host_links_observation_to_its_abuse_contact(rdap: RdapClient) -> None:
    resolver = StaticResolver({"twice.example.test": ["203.0.113.20"]})

    trace = trace_host("twice.example.test", resolver=resolver, ip_info=IPS, rdap=rdap)

    observation = IpObservation.objects.get(trace=trace)
    assert observation.abuse_contact == AbuseContact.objects.get(trace=trace, kind="ip")


@pytest.mark.django_db
def test_store_traces_stores_each_lookup_as_store_trace_does(
    world: World, rdap: RdapClient
) -> None:
    hosts = ["www.example.test", "edge.example.test", "www.example.test"]
    findings = [
        look_up_host(host, resolver=StaticResolver(HOSTS), ip_info=IPS, rdap=rdap) for host in hosts
    ]
    single = [store_trace(found, acting_user=world.alice) for found in findings]

    batch = store_traces(findings, acting_user=world.alice)

    def stored(trace: HostingTrace) -> tuple[Any, ...]:
        trace.refresh_from_db()
        contacts = list(trace.abuse_contacts.values_list("kind", "query", "email"))
        events = AuditEvent.objects.filter(action="hosting.trace", object_id=str(trace.pk))
        return (
            trace.host,
            trace.error,
            _observations(trace),
            contacts,
            [(e.actor, e.detail) for e in events],
        )

    assert [t.host for t in batch] == hosts
    assert len({t.pk for t in single + batch}) == 6
    assert [stored(t) for t in batch] == [stored(t) for t in single]
    # each trace's addresses point at that trace's own contacts
    assert (
        not IpObservation.objects.filter(abuse_contact__isnull=False)
        .exclude(abuse_contact__trace=models.F("trace"))
        .exists()
    )
