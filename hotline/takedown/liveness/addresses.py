"""Which IP addresses the liveness checker may connect to: public unicast only.

The decision uses explicit tables taken from the IANA special-purpose address registries
(RFC 6890 and its updates), not the ``is_private``/``is_global`` flags of ``ipaddress``, whose
lists changed between Python patch releases; the tests compare the two.

IPv4: everything is allowed except the ranges in ``_REFUSED_V4``.

IPv6: only global unicast (``2000::/3``) is allowed, less the special ranges inside it in
``_REFUSED_V6_GLOBAL``, plus the well-known NAT64 prefix ``64:ff9b::/96`` when the IPv4 address
it embeds is itself allowed (DNS64 resolvers synthesise these for IPv4-only sites). All of 6to4
(``2002::/16``) and Teredo (inside ``2001::/23``) is refused, whatever IPv4 address they embed,
as are IPv4-mapped (``::ffff:0:0/96``) and IPv4-compatible (``::/96``) addresses: a real
server never needs them, and each can smuggle an internal IPv4 address. An address with a zone
index (``fe80::1%eth0``) is refused.

``allow_loopback`` lets exactly ``127.0.0.1`` through, for tests against a local server; not
the rest of ``127.0.0.0/8``, not ``::1``, not the name ``localhost``.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

__all__ = ["TEST_LOOPBACK", "IPAddress", "parse_address", "refusal_reason"]

IPAddress = IPv4Address | IPv6Address

TEST_LOOPBACK = IPv4Address("127.0.0.1")

_METADATA = {
    IPv4Address("169.254.169.254"): "a cloud metadata service",
    IPv4Address("169.254.170.2"): "a cloud metadata service (AWS ECS)",
    IPv4Address("100.100.100.200"): "a cloud metadata service (Alibaba Cloud)",
    IPv6Address("fd00:ec2::254"): "a cloud metadata service (AWS, IPv6)",
}

_REFUSED_V4: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), label)
    for network, label in (
        ("0.0.0.0/8", "'this network' (RFC 791), including 0.0.0.0"),
        ("10.0.0.0/8", "private (RFC 1918)"),
        ("100.64.0.0/10", "shared carrier-grade NAT space (RFC 6598)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation (RFC 5737)"),
        ("192.168.0.0/16", "private (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation (RFC 5737)"),
        ("203.0.113.0/24", "documentation (RFC 5737)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved, including broadcast 255.255.255.255"),
    )
)

_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")

_REFUSED_V6_GLOBAL: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), label)
    for network, label in (
        ("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID; RFC 6890)"),
        ("2001:db8::/32", "documentation (RFC 3849)"),
        ("2002::/16", "6to4 (RFC 3056, deprecated by RFC 7526)"),
        ("3fff::/20", "documentation (RFC 9637)"),
    )
)

# Outside 2000::/3 everything is refused; these names only make the message precise.
_NAMED_V6_OTHER: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), label)
    for network, label in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("5f00::/16", "SRv6 segment identifiers (RFC 9602)"),
        ("fc00::/7", "unique local (RFC 4193)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)


def parse_address(text: str) -> IPAddress:
    """An address from its text form as a resolver gives it; raises ``ValueError`` otherwise."""
    return ip_address(text)


def refusal_reason(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the checker must not connect to ``address``, or ``None`` when it may.

    The reason is a short phrase naming the address family, e.g. ``"10.0.0.1 is private
    (RFC 1918)"``.
    """
    if allow_loopback and address == TEST_LOOPBACK:
        return None
    if address in _METADATA:
        return f"{address} is {_METADATA[address]}"
    label = _ipv4_label(address) if isinstance(address, IPv4Address) else _ipv6_label(address)
    return None if label is None else f"{address} is {label}"


def _ipv4_label(address: IPv4Address) -> str | None:
    for network, label in _REFUSED_V4:
        if address in network:
            return label
    return None


def _ipv6_label(address: IPv6Address) -> str | None:
    if address.scope_id is not None:
        return "an address with a zone index"
    embedded = _embedded_ipv4(address)
    if address in _NAT64:
        inner = _ipv4_label(embedded) if embedded is not None else None
        return None if inner is None else f"NAT64 for {embedded}, which is {inner}"
    if address in _GLOBAL_UNICAST:
        for network, label in _REFUSED_V6_GLOBAL:
            if address in network:
                return _with_embedded(label, embedded)
        return None
    for network, label in _NAMED_V6_OTHER:
        if address in network:
            return _with_embedded(label, embedded)
    return "reserved (outside global unicast 2000::/3)"


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries, for the transition forms that carry one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    if address in _TEREDO and address.teredo is not None:
        return address.teredo[1]  # the client's address (the server's is public by design)
    if address in _NAT64 or 0xFFFF < int(address) <= 0xFFFFFFFF:  # or IPv4-compatible ::a.b.c.d
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _with_embedded(label: str, embedded: IPv4Address | None) -> str:
    return label if embedded is None else f"{label}, embedding {embedded}"
