"""The liveness checker's fetch policy: where it may connect, how, and for how long.

``policy_from_settings()`` builds the default policy from the ``LIVENESS_*`` Django
settings; tests build a ``FetchPolicy`` directly, with an injected resolver and connector.

About the proxy: when ``proxy`` is set every request goes through an HTTP ``CONNECT`` tunnel
to the *IP address the checker resolved and checked* (``CONNECT 203.0.113.7:443``), for
``http`` as well as ``https`` targets, so the proxy never resolves the name again and the
``Host`` header and TLS server name still carry the host name. The checker's own address
checks run before anything is sent to the proxy. The proxy must nevertheless be configured to
refuse internal targets itself (private, loopback, link-local and metadata addresses, and its
own admin ports), and to allow ``CONNECT`` to the ports in ``allowed_ports``: it is the second
line of defence, and the only one for anything else that uses it.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DEFAULT_ALLOWED_PORTS",
    "DEFAULT_USER_AGENT",
    "Connector",
    "FetchPolicy",
    "Proxy",
    "Resolver",
    "parse_proxy",
    "policy_from_settings",
    "system_resolver",
    "tcp_connector",
]

DEFAULT_ALLOWED_PORTS = frozenset({80, 443, 8080, 8443})
DEFAULT_USER_AGENT = "Mozilla/5.0 (compatible; liveness-check/1.0)"

Resolver = Callable[[str], list[str]]
"""Host name (ASCII, no trailing dot) to IP address strings; raises ``OSError`` on failure."""

Connector = Callable[[str, int, float], socket.socket]
"""Opens a TCP connection to ``(host, port)`` within ``timeout`` seconds; raises ``OSError``.

The checker calls it with an IP address it has checked, or with the configured proxy.
"""


def system_resolver(host: str) -> list[str]:
    """The addresses of ``host`` from the operating system, in its order, each once.

    The name is looked up fully qualified (with a trailing dot), so resolver search domains
    never turn ``foo.example`` into an internal ``foo.example.corp.internal``.
    """
    infos = socket.getaddrinfo(f"{host}.", None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def tcp_connector(host: str, port: int, timeout: float) -> socket.socket:
    """A plain TCP connection; for an IP address no name resolution takes place."""
    return socket.create_connection((host, port), timeout=timeout)


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy that tunnels with ``CONNECT``; ``authorization`` is a ready header value."""

    host: str
    port: int
    authorization: str | None = field(default=None, repr=False)


def parse_proxy(url: str) -> Proxy:
    """Read ``http://[user:password@]host:port``; raises ``ValueError`` with a clear message."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("proxy: expected http://host:port, e.g. http://127.0.0.1:3128") from None
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("proxy: expected http://host:port, e.g. http://127.0.0.1:3128")
    if parts.query or parts.fragment:
        raise ValueError("proxy: expected http://host:port without a query or fragment")
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")
    return Proxy(host=parts.hostname, port=port or 3128, authorization=authorization)


@dataclass(frozen=True, kw_only=True)
class FetchPolicy:
    """How the liveness checker may fetch a URL.

    - ``allow_loopback``: let exactly ``127.0.0.1`` through the address checks. For tests
      against a local server only; off by default and refused in production.
    - ``allowed_ports``: the only ports a URL (or redirect) may name.
    - ``proxy``: ``http://host:port`` of a ``CONNECT`` proxy, or ``None`` to connect directly.
    - ``connect_timeout`` / ``read_timeout``: seconds for each connect and each read.
    - ``deadline``: seconds for the whole check, all hops and the GET fallback included.
    - ``max_redirects``: redirects followed per chain; one more is ``too_many_redirects``.
    - ``max_body_bytes``: at most this much of a GET response body is read, then dropped.
    - ``user_agent``: the ``User-Agent`` header sent.
    - ``ca_file``: a PEM bundle to trust instead of the system's certificate authorities.
    - ``resolver`` / ``connector``: name resolution and TCP connect, injectable for tests.
    """

    allow_loopback: bool = False
    allowed_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS
    proxy: str | None = field(default=None, repr=False)  # may carry the proxy's password
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_redirects: int = 5
    max_body_bytes: int = 4096
    user_agent: str = DEFAULT_USER_AGENT
    ca_file: str | None = None
    resolver: Resolver = system_resolver
    connector: Connector = tcp_connector

    def __post_init__(self) -> None:
        if self.proxy is not None:
            parse_proxy(self.proxy)
        for name in ("connect_timeout", "read_timeout", "deadline"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a number of seconds above 0")
        if self.max_redirects < 0 or self.max_body_bytes < 0:
            raise ValueError("max_redirects and max_body_bytes: expected 0 or more")
        if any(not 0 < port < 65536 for port in self.allowed_ports):
            raise ValueError("allowed_ports: expected port numbers from 1 to 65535")
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in self.user_agent):
            raise ValueError("user_agent: control characters are not allowed")

    @property
    def proxy_endpoint(self) -> Proxy | None:
        """The parsed ``proxy``, ``None`` when requests go out directly."""
        return None if self.proxy is None else parse_proxy(self.proxy)


def policy_from_settings() -> FetchPolicy:
    """The default policy, from the ``LIVENESS_*`` settings.

    Raises ``ImproperlyConfigured`` naming the setting when a value is unusable, and when
    ``LIVENESS_ALLOW_LOOPBACK`` is on in production.
    """
    allow_loopback = bool(settings.LIVENESS_ALLOW_LOOPBACK)
    if allow_loopback and settings.PRODUCTION:
        raise ImproperlyConfigured(
            "LIVENESS_ALLOW_LOOPBACK: for tests only; it must be off in production"
        )
    ports = _ports(settings.LIVENESS_PORTS)
    options: dict[str, Any] = {
        "allow_loopback": allow_loopback,
        "allowed_ports": ports,
        "proxy": settings.LIVENESS_PROXY or None,
        "connect_timeout": _seconds("LIVENESS_CONNECT_TIMEOUT", settings.LIVENESS_CONNECT_TIMEOUT),
        "read_timeout": _seconds("LIVENESS_READ_TIMEOUT", settings.LIVENESS_READ_TIMEOUT),
        "deadline": _seconds("LIVENESS_DEADLINE", settings.LIVENESS_DEADLINE),
        "user_agent": settings.LIVENESS_USER_AGENT,
        "ca_file": settings.LIVENESS_CA_FILE or None,
    }
    try:
        return FetchPolicy(**options)
    except ValueError as exc:
        raise ImproperlyConfigured(f"LIVENESS_* settings: {exc}") from None


def _ports(value: Iterable[int | str]) -> frozenset[int]:
    ports = set()
    for item in value:
        text = str(item).strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ImproperlyConfigured(
                f"LIVENESS_PORTS: expected port numbers such as 80, 443, got {item!r}"
            )
        ports.add(int(text))
    return frozenset(ports)


def _seconds(name: str, value: float | str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name}: expected a number of seconds, got {value!r}") from None
    if not seconds > 0:
        raise ImproperlyConfigured(f"{name}: expected a number of seconds above 0, got {value!r}")
    return seconds
