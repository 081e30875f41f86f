"""Resolvers, the DNS one against a real DNS server on 127.0.0.1 (tests/hosting/servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from hotline.hosting.resolvers import (
    DnsResolver,
    Resolution,
    StaticResolver,
    get_resolver,
    sort_addresses,
)
from tests.hosting.servers import DnsServer, running_dns_server


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    records = {
        "example.test": ["192.0.2.20", "2001:db8::20", "192.0.2.3"],
        "v6only.example.test": ["2001:db8::6"],
    }
    server = DnsServer(records, silent={"slow.example.test"}, failing={"broken.example.test"})
    with running_dns_server(server):
        yield server


def test_dns_resolver_returns_ipv4_then_ipv6(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=2)

    result = resolver.resolve("example.test")

    assert result == Resolution(("192.0.2.3", "192.0.2.20", "2001:db8::20"))
    assert dict(dns_server.queries) == {"example.test A": 1, "example.test AAAA": 1}


def test_dns_resolver_name_without_ipv4(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=2)

    assert resolver.resolve("v6only.example.test") == Resolution(("2001:db8::6",))


def test_dns_resolver_nxdomain(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=2)

    assert resolver.resolve("missing.example.test") == Resolution((), "no such domain (NXDOMAIN)")


def test_dns_resolver_timeout(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=0.2)

    result = resolver.resolve("slow.example.test")

    assert result == Resolution((), "A: no answer within 0.2 s; AAAA: no answer within 0.2 s")


def test_dns_resolver_servfail(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=1)

    result = resolver.resolve("broken.example.test")

    assert result == Resolution(
        (),
        "A: every name server failed (SERVFAIL or refused); "
        "AAAA: every name server failed (SERVFAIL or refused)",
    )


def test_dns_resolver_ip_literal_resolves_to_itself(dns_server: DnsServer) -> None:
    resolver = DnsResolver([dns_server.address], timeout=1)

    assert resolver.resolve("[2001:DB8::1]") == Resolution(("2001:db8::1",))
    assert sum(dns_server.queries.values()) == 0


def test_dns_resolver_from_settings(dns_server: DnsServer, settings: object) -> None:
    settings.HOSTING_DNS_SERVERS = [dns_server.address]  # type: ignore[attr-defined]
    settings.HOSTING_DNS_TIMEOUT = 2  # type: ignore[attr-defined]
    settings.HOSTING_RESOLVER = "dns"  # type: ignore[attr-defined]

    resolver = get_resolver()

    assert resolver.name == f"dns via {dns_server.address}"
    assert resolver.resolve("v6only.example.test") == Resolution(("2001:db8::6",))


def test_dns_resolver_without_servers_uses_system_configuration() -> None:
    assert DnsResolver().name == "dns (system)"


@pytest.mark.parametrize(
    "entry", ["dns.example.test", "192.0.2.53:0", "192.0.2.53:x", "[2001:db8::53"]
)
def test_dns_resolver_bad_server_setting(entry: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        DnsResolver([entry])

    assert str(caught.value) == (
        "HOSTING_DNS_SERVERS: expected IP[:port] such as 192.0.2.53 or "
        f"[2001:db8::53]:5353, got {entry!r}"
    )


@pytest.mark.parametrize(
    "entry", ["192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353"]
)
def test_dns_resolver_accepts_server_forms(entry: str) -> None:
    assert DnsResolver([entry]).name == f"dns via {entry}"


def test_static_resolver_table() -> None:
    resolver = StaticResolver({"Example.TEST.": ["2001:db8::1", "192.0.2.1", "192.0.2.1"]})

    assert resolver.resolve("example.test") == Resolution(("192.0.2.1", "2001:db8::1"))
    assert resolver.resolve("other.example.test") == Resolution(
        (), "no such domain (not in the static table)"
    )
    assert resolver.name == "static"


def test_static_resolver_from_settings(settings: object) -> None:
    settings.HOSTING_STATIC_HOSTS = {"demo.example.test": ["198.51.100.4"]}  # type: ignore[attr-defined]

    resolver = get_resolver("static")

    assert resolver.resolve("demo.example.test") == Resolution(("198.51.100.4",))


def test_get_resolver_unknown_name() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        get_resolver("carrier-pigeon")

    assert (
        str(caught.value) == "HOSTING_RESOLVER: expected one of dns, static, got 'carrier-pigeon'"
    )


def test_sort_addresses_dedupes_and_orders() -> None:
    assert sort_addresses(["2001:db8::2", "192.0.2.10", "192.0.2.9", "2001:db8::2"]) == (
        "192.0.2.9",
        "192.0.2.10",
        "2001:db8::2",
    )
