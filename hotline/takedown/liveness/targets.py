"""From a URL to a ``Target`` the checker may request, or a ``Refused`` saying why not.

The checks made here need no network: the scheme (``http``/``https`` only), credentials in the
URL (refused), the port (the policy's allow-list), and the host. A host that is an IP address,
in any spelling a browser or ``inet_aton`` accepts (``2130706433``, ``0177.0.0.1``,
``0x7f.1``, ``127.1``, full-width digits, ``[::ffff:7f00:1]``), is read as that address, so the
address checks see what a connection would reach; a host that ends in a number but is no valid
IPv4 address (``1.2.3.999``) is refused, as browsers do. A host name is mapped to ASCII (IDNA
with UTS 46) and refused when it can only be internal: no dot (resolver search domains make
``http://intranet/`` or ``http://metadata/`` internal), ``localhost`` and the suffixes in
``REFUSED_NAME_SUFFIXES`` (``*.internal`` covers ``metadata.google.internal``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import quote, urlsplit

import idna

from hotline.hosting.ipv4 import parse_ipv4
from hotline.takedown.liveness.addresses import IPAddress
from hotline.takedown.liveness.results import Reason

__all__ = [
    "MAX_URL_LENGTH",
    "REFUSED_NAME_SUFFIXES",
    "Refused",
    "Target",
    "parse_target",
]

MAX_URL_LENGTH = 8192
DEFAULT_PORTS = {"http": 80, "https": 443}
REFUSED_NAME_SUFFIXES = (
    "localhost",  # RFC 6761
    "local",  # multicast DNS, RFC 6762
    "internal",  # private use (ICANN 2024), cloud metadata names
    "localdomain",
    "arpa",  # home.arpa (RFC 8375) and the reverse-lookup zones
    "lan",
    "home",
    "corp",
    "intranet",
    "private",
)
_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = {8: set("01234567"), 10: set("0123456789"), 16: set("0123456789abcdef")}
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class Refused(Exception):
    """The checker will not request this URL; ``reason`` and ``detail`` say why."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A URL the checker may request, once its host's addresses pass the address checks.

    ``host`` is the ASCII host name, or the canonical text of ``address`` when the URL names
    an IP address (then no name resolution happens). ``request_target`` is the percent-encoded
    path and query to send.
    """

    url: str
    scheme: str
    host: str
    address: IPAddress | None
    port: int
    request_target: str

    @property
    def host_header(self) -> str:
        """The ``Host`` header value: host (IPv6 in brackets) and the port if not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def parse_target(url: str, *, allowed_ports: frozenset[int]) -> Target:
    """Check ``url`` and return what to request; raises ``Refused`` when it may not be."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise Refused(Reason.INVALID_URL, f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if _CONTROL.search(url):
        raise Refused(Reason.INVALID_URL, "The URL contains control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(Reason.INVALID_URL, "The URL cannot be read (host or port).") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused(Reason.SCHEME, f"Only http and https URLs are checked, not {scheme[:16]!r}.")
    if "@" in parts.netloc:
        raise Refused(Reason.USERINFO, "URLs with a user name or password are not checked.")
    if port is None:
        port = DEFAULT_PORTS[scheme]
    if port not in allowed_ports:
        raise Refused(Reason.PORT, f"Port {port} is not one the checker may connect to.")
    if parts.netloc.startswith("["):
        address: IPAddress | None = _ipv6_literal(parts.hostname or "")
        host = str(address)
    else:
        host, address = _host(parts.hostname or "")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return Target(
        url=url,
        scheme=scheme,
        host=host,
        address=address,
        port=port,
        request_target=f"{path}?{query}" if query else path,
    )


def _ipv6_literal(text: str) -> IPv6Address:
    try:
        return IPv6Address(text)
    except ValueError:
        raise Refused(Reason.INVALID_URL, "The IPv6 address in the URL is not valid.") from None


def _host(raw: str) -> tuple[str, IPAddress | None]:
    """The ASCII host name, or the IPv4 address the host spells; ``Refused`` otherwise."""
    if not raw:
        raise Refused(Reason.INVALID_URL, "The URL has no host.")
    try:
        host = raw if raw.isascii() else idna.encode(raw, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise Refused(Reason.INVALID_URL, "The host name is not a valid name.") from None
    host = host.lower().removesuffix(".")
    labels = host.split(".")
    if _ends_in_number(labels[-1]):
        address = _ipv4(labels)
        if address is None:
            raise Refused(Reason.INVALID_URL, "The host looks like an IPv4 address but is none.")
        return str(address), address
    if len(host) > 253 or not all(_NAME.fullmatch(label) for label in labels):
        raise Refused(Reason.INVALID_URL, "The host name is not a valid name.")
    for suffix in REFUSED_NAME_SUFFIXES:
        if host == suffix or host.endswith(f".{suffix}"):
            raise Refused(Reason.HOST_NAME, f"{host!r} is an internal name (.{suffix}).")
    if len(labels) == 1:
        raise Refused(Reason.HOST_NAME, f"{host!r} has no dot: it can only be an internal name.")
    return host, None


def _ends_in_number(label: str) -> bool:
    """The WHATWG URL rule: such a host must be an IPv4 address."""
    if label and set(label) <= _DIGITS[10]:
        return True
    return label[:2] == "0x" and set(label[2:]) <= _DIGITS[16]


def _ipv4(labels: list[str]) -> IPv4Address | None:
    """The address for any IPv4 spelling ``inet_aton`` accepts, else ``None``."""
    return parse_ipv4(".".join(labels))
