"""The address decision against an independent reference: the flags of Python's ``ipaddress``.

The reference refuses what ``ipaddress`` calls private, loopback, link-local, multicast,
reserved, unspecified, site-local or not global. For the well-known NAT64 prefix it judges the
IPv4 address the gateway would reach (``ipaddress`` calls all of ``64:ff9b::/96`` reserved,
being inside ``::/8``). The checker is stricter than the reference in exactly the ranges of
``STRICTER``, each with its reason, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.takedown.liveness import Liveness, Reason, check_url
from hotline.takedown.liveness.addresses import IPAddress, refusal_reason
from hotline.takedown.liveness.policy import FetchPolicy
from tests.takedown.servers import Origin, RecordingConnector, RecordingResolver, running_origin

NAT64 = IPv6Network("64:ff9b::/96")
STRICTER: list[IPv4Network | IPv6Network] = [
    IPv4Network("192.0.0.0/24"),  # IETF protocol assignments: ipaddress lists only parts of it
    IPv6Network("::ffff:0:0/96"),  # IPv4-mapped: never a real server's address
    IPv6Network("2001::/23"),  # IETF protocol assignments, wholly (newer Pythons except a few)
    IPv6Network("2002::/16"),  # 6to4, deprecated (RFC 7526); embeds any IPv4 address
    IPv6Network("3fff::/20"),  # documentation (RFC 9637, 2024)
]
SPECIAL_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
SPECIAL_V6 = [
    "::/96",
    "::ffff:0:0/96",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2000::/3",
    "2001::/23",
    "2001::/32",
    "2001:db8::/32",
    "2002::/16",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
]


def reference_refuses(address: IPAddress) -> bool:
    """The independent judge: ``ipaddress``'s own classification."""
    if isinstance(address, IPv6Address) and address in NAT64:
        return reference_refuses(IPv4Address(int(address) & 0xFFFFFFFF))
    internal = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
    if isinstance(address, IPv6Address):
        internal = internal or address.is_site_local
    return internal


def stricter(address: IPAddress) -> bool:
    if isinstance(address, IPv6Address) and address in NAT64:
        return stricter(IPv4Address(int(address) & 0xFFFFFFFF))
    return any(address.version == net.version and address in net for net in STRICTER)


def _edges(networks: list[str]) -> Iterator[IPAddress]:
    """Each network's first and last address and their outside neighbours."""
    for text in networks:
        net = IPv4Network(text) if "." in text else IPv6Network(text)
        first, last = int(net.network_address), int(net.broadcast_address)
        for value in (first - 1, first, last, last + 1):
            if 0 <= value < 2**net.max_prefixlen:
                yield type(net.network_address)(value)


def _embeddings(v4: IPv4Address) -> list[IPv6Address]:
    value = int(v4)
    return [
        IPv6Address(0xFFFF << 32 | value),  # ::ffff:a.b.c.d
        IPv6Address(value),  # ::a.b.c.d
        IPv6Address(int(IPv6Address("64:ff9b::")) | value),  # NAT64
        IPv6Address(0x2002 << 112 | value << 80),  # 6to4
    ]


ipv4 = st.one_of(
    st.ip_addresses(v=4),
    *[st.ip_addresses(network=net) for net in SPECIAL_V4],
    st.sampled_from(list(_edges(SPECIAL_V4))),
)
ipv6 = st.one_of(
    st.ip_addresses(v=6),
    *[st.ip_addresses(network=net) for net in SPECIAL_V6],
    st.sampled_from(list(_edges(SPECIAL_V6))),
    ipv4.flatmap(lambda v4: st.sampled_from(_embeddings(v4))),
)


@settings(max_examples=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ipv4)
def test_refusal_reason_ipv4_equals_reference(address: IPv4Address) -> None:
    refused = refusal_reason(address) is not None

    assert refused == (reference_refuses(address) or stricter(address))


@settings(max_examples=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ipv6)
def test_refusal_reason_ipv6_equals_reference(address: IPv6Address) -> None:
    refused = refusal_reason(address) is not None

    assert refused == (reference_refuses(address) or stricter(address))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ipv4)
def test_refusal_reason_refuses_every_embedding_of_an_internal_ipv4(address: IPv4Address) -> None:
    embedded_refused = [refusal_reason(v6) is not None for v6 in _embeddings(address)]

    if reference_refuses(address):
        assert embedded_refused == [True, True, True, True]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (IPv4Address("169.254.169.254"), "169.254.169.254 is a cloud metadata service"),
        (IPv4Address("10.1.2.3"), "10.1.2.3 is private (RFC 1918)"),
        (IPv6Address("::1"), "::1 is loopback"),
        (
            IPv6Address("64:ff9b::a00:1"),
            "64:ff9b::a00:1 is NAT64 for 10.0.0.1, which is private (RFC 1918)",
        ),
        (IPv6Address("::ffff:7f00:1"), "::ffff:7f00:1 is IPv4-mapped, embedding 127.0.0.1"),
        (IPv6Address("fd00:ec2::254"), "fd00:ec2::254 is a cloud metadata service (AWS, IPv6)"),
    ],
)
def test_refusal_reason_names_the_family(address: IPAddress, reason: str) -> None:
    assert refusal_reason(address) == reason


def test_refusal_reason_allow_loopback_lets_only_127_0_0_1_through() -> None:
    decisions = {
        text: refusal_reason(ip_address(text), allow_loopback=True) is None
        for text in ("127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1", "10.0.0.1")
    }

    assert decisions == {
        "127.0.0.1": True,
        "127.0.0.2": False,
        "::1": False,
        "::ffff:127.0.0.1": False,
        "10.0.0.1": False,
    }


@pytest.fixture(scope="module")
def module_origin() -> Iterator[Origin]:
    with running_origin() as server:
        yield server


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(ipv4, ipv6))
def test_check_url_connects_exactly_when_reference_allows(
    module_origin: Origin, address: IPAddress
) -> None:
    # The checker is told a random address for the name; the connector records where the
    # checker wanted to go and, for allowed (public) addresses, goes to the loopback server.
    resolver = RecordingResolver({"random.example.test": [str(address)]})
    connector = RecordingConnector(reroute=("127.0.0.1", module_origin.port))
    policy = FetchPolicy(resolver=resolver, connector=connector, deadline=5.0)
    allowed = not (reference_refuses(address) or stricter(address))

    result = check_url("http://random.example.test/ok", policy=policy)

    if allowed:
        assert (result.liveness, connector.calls) == (Liveness.LIVE, [(str(address), 80)])
    else:
        assert (result.liveness, result.reason, connector.calls) == (
            Liveness.BLOCKED,
            Reason.ADDRESS,
            [],
        )
