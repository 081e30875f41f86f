from __future__ import annotations

import pytest

from hotline.hosting.canonical import InvalidUrl
from hotline.hosting.ipinfo import StaticIpInfo, StaticNetwork
from hotline.hosting.rdap import RdapClient
from hotline.hosting.resolvers import Resolution, StaticResolver
from hotline.hosting.trace import MAX_ABUSE_LOOKUPS, gather_trace, normalize_host
from tests.hosting.servers import RdapServer, rdap_ip_network


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Example.TEST.", "example.test"),
        ("example.test:8080", "example.test"),
        ("[2001:DB8::1]", "2001:db8::1"),
        ("0xc0.0.2.1", "192.0.2.1"),
        ("пример.испытание", "xn--e1afmkfd.xn--80akhbyknj4f"),
    ],
)
def test_normalize_host_canonical_form(host: str, expected: str) -> None:
    assert normalize_host(host) == expected


@pytest.mark.parametrize(
    "host", ["", "  ", "http://example.test/", "example.test/x", "a@b.test", "..."]
)
def test_normalize_host_rejects_non_host(host: str) -> None:
    with pytest.raises(InvalidUrl):
        normalize_host(host)


def test_gather_trace_without_rdap() -> None:
    resolver = StaticResolver({"www.example.test": ["198.51.100.7"]})
    ip_info = StaticIpInfo({"198.51.100.0/24": StaticNetwork("US", 54113, "FASTLY")})

    findings = gather_trace("www.example.test", resolver=resolver, ip_info=ip_info, rdap=None)

    assert (findings.host, findings.registrable_domain, findings.resolver) == (
        "www.example.test",
        "example.test",
        "static",
    )
    assert findings.resolution == Resolution(("198.51.100.7",))
    assert [
        (f.info.country, f.cdn.name if f.cdn else None, f.abuse) for f in findings.addresses
    ] == [("US", "Fastly", None)]
    assert findings.registrar_abuse is None


def test_gather_trace_limits_abuse_lookups(rdap_server: RdapServer) -> None:
    addresses = [f"203.0.113.{n}" for n in range(1, 7)]
    for address in addresses:
        rdap_server.routes[f"/ip/{address}"] = (
            200,
            rdap_ip_network("203.0.113.0", "203.0.113.255", "abuse@hosting.example.test"),
        )
    resolver = StaticResolver({"many.example.test": addresses})

    findings = gather_trace(
        "many.example.test",
        resolver=resolver,
        ip_info=StaticIpInfo({}),
        rdap=RdapClient(rdap_server.url, timeout=2),
    )

    looked_up = [f.abuse is not None for f in findings.addresses]
    assert looked_up == [True] * MAX_ABUSE_LOOKUPS + [False] * (6 - MAX_ABUSE_LOOKUPS)
    assert sum(rdap_server.hits.values()) == MAX_ABUSE_LOOKUPS + 1  # and the domain
