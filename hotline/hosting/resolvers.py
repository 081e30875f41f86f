"""Host name → IP addresses, behind a small interface with a registry of implementations.

- ``DnsResolver``: real DNS through dnspython, to the servers in ``HOSTING_DNS_SERVERS``
  (``"192.0.2.53"``, ``"127.0.0.1:5353"``, ``"[2001:db8::53]:53"``) or, when that is empty,
  the system's ``/etc/resolv.conf``; ``HOSTING_DNS_TIMEOUT`` seconds for the whole lookup.
- ``StaticResolver``: a fixed table, for tests and demos (``HOSTING_STATIC_HOSTS``).

``HOSTING_RESOLVER`` names the one ``get_resolver()`` returns. Adding a resolver is adding a
class with ``name`` and ``resolve(host)`` and registering a factory in ``RESOLVERS``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "RESOLVERS",
    "DnsResolver",
    "Resolution",
    "Resolver",
    "StaticResolver",
    "get_resolver",
    "sort_addresses",
]

DEFAULT_DNS_TIMEOUT = 5.0


@dataclass(frozen=True)
class Resolution:
    """The addresses a host resolved to (IPv4 first, then IPv6) and what went wrong, if anything.

    Both can be set: an AAAA lookup may time out after the A lookup answered.
    """

    addresses: tuple[str, ...]
    error: str = ""


class Resolver(Protocol):
    """Extension point: resolves a host name to its addresses; never raises."""

    @property
    def name(self) -> str:
        """How the trace records which resolver answered."""
        ...

    def resolve(self, host: str) -> Resolution:
        """The IPv4 and IPv6 addresses of ``host``; an IP address resolves to itself."""
        ...


def sort_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """Distinct addresses in a stable order: IPv4 before IPv6, numerically."""
    parsed = {ipaddress.ip_address(address) for address in addresses}
    return tuple(str(address) for address in sorted(parsed, key=lambda a: (a.version, int(a))))


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class StaticResolver:
    """Resolves from a fixed table ``{host: [addresses]}``; unknown hosts do not exist."""

    def __init__(self, table: Mapping[str, Iterable[str]], *, name: str = "static") -> None:
        self._table = {
            host.lower().rstrip("."): sort_addresses(addresses) for host, addresses in table.items()
        }
        self._name = name

    @property
    def name(self) -> str:
        """``static`` unless told otherwise."""
        return self._name

    @classmethod
    def from_settings(cls) -> StaticResolver:
        """The table in ``HOSTING_STATIC_HOSTS``."""
        return cls(settings.HOSTING_STATIC_HOSTS or {})

    def resolve(self, host: str) -> Resolution:
        """The table's addresses for ``host``."""
        literal = _ip_literal(host)
        if literal is not None:
            return Resolution((literal,))
        addresses = self._table.get(host.lower().rstrip("."))
        if addresses is None:
            return Resolution((), "no such domain (not in the static table)")
        return Resolution(addresses)


class DnsResolver:
    """Real DNS (A and AAAA) through dnspython, with a timeout for each lookup."""

    def __init__(
        self, nameservers: Sequence[str] = (), *, timeout: float = DEFAULT_DNS_TIMEOUT
    ) -> None:
        self._servers = [_nameserver(entry) for entry in nameservers]
        self._labels = list(nameservers)
        self._timeout = timeout

    @property
    def name(self) -> str:
        """``dns`` and the servers asked, or ``dns (system)``."""
        return f"dns via {', '.join(self._labels)}" if self._labels else "dns (system)"

    @classmethod
    def from_settings(cls) -> DnsResolver:
        """Servers from ``HOSTING_DNS_SERVERS``, timeout from ``HOSTING_DNS_TIMEOUT``."""
        return cls(
            list(settings.HOSTING_DNS_SERVERS or []),
            timeout=float(settings.HOSTING_DNS_TIMEOUT),
        )

    def resolve(self, host: str) -> Resolution:
        """A and AAAA records of ``host``; NXDOMAIN, timeouts and failures become ``error``."""
        literal = _ip_literal(host)
        if literal is not None:
            return Resolution((literal,))
        try:
            resolver = self._resolver()
        except dns.exception.DNSException as exc:
            return Resolution((), f"no DNS resolver configured ({exc})")
        addresses: list[str] = []
        errors: list[str] = []
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            try:
                answer = resolver.resolve(
                    host, rdtype, search=False, lifetime=self._timeout, raise_on_no_answer=False
                )
            except dns.resolver.NXDOMAIN:
                return Resolution((), "no such domain (NXDOMAIN)")
            except dns.exception.Timeout:
                errors.append(f"{rdtype.name}: no answer within {self._timeout:g} s")
                continue
            except dns.resolver.NoNameservers:
                errors.append(f"{rdtype.name}: every name server failed (SERVFAIL or refused)")
                continue
            except dns.exception.DNSException as exc:
                errors.append(f"{rdtype.name}: {str(exc).rstrip('.')}")
                continue
            addresses.extend(record.to_text() for record in answer)
        return Resolution(sort_addresses(addresses), "; ".join(errors))

    def _resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=not self._servers)
        if self._servers:
            resolver.nameservers = list(self._servers)
        resolver.timeout = self._timeout
        resolver.lifetime = self._timeout
        resolver.cache = None
        return resolver


def _nameserver(entry: str) -> dns.nameserver.Do53Nameserver:
    """``"192.0.2.53"``, ``"192.0.2.53:5353"``, ``"2001:db8::53"`` or ``"[2001:db8::53]:5353"``."""
    text = entry.strip()
    address, port = text, "53"
    if text.startswith("["):
        address, bracket, rest = text[1:].partition("]")
        if not bracket or rest[:1] not in ("", ":"):
            raise _bad_server(entry)
        port = rest[1:] or "53"
    elif text.count(":") == 1:
        address, port = text.split(":")
    try:
        ipaddress.ip_address(address)
        number = int(port)
    except ValueError:
        raise _bad_server(entry) from None
    if not 0 < number < 65536:
        raise _bad_server(entry)
    return dns.nameserver.Do53Nameserver(address, number)


def _bad_server(entry: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "HOSTING_DNS_SERVERS: expected IP[:port] such as 192.0.2.53 or "
        f"[2001:db8::53]:5353, got {entry!r}"
    )


RESOLVERS: dict[str, Callable[[], Resolver]] = {
    "dns": DnsResolver.from_settings,
    "static": StaticResolver.from_settings,
}


def get_resolver(name: str | None = None) -> Resolver:
    """The resolver registered as ``name``, by default the one ``HOSTING_RESOLVER`` names."""
    chosen = name or str(settings.HOSTING_RESOLVER)
    try:
        factory = RESOLVERS[chosen]
    except KeyError:
        raise ImproperlyConfigured(
            f"HOSTING_RESOLVER: expected one of {', '.join(sorted(RESOLVERS))}, got {chosen!r}"
        ) from None
    return factory()
