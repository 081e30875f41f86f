"""Trusting a reverse proxy's headers only when the request comes from that proxy.

Behind a TLS-terminating proxy (nginx, a load balancer) the web server sees the proxy's
address and plain HTTP. The proxy says who the client was and how it connected in
``X-Forwarded-For``, ``-Proto`` and ``-Host``; those headers are believed only from the
peers in ``HOTLINE_TRUSTED_PROXIES`` and removed from every other request, so a client
talking to the web server directly cannot claim to be someone else or to be on HTTPS.

waitress's own ``trusted_proxy`` takes a single address; a pool of load balancers has
many, so the peer is matched here against addresses and networks and the request then
goes through waitress's header translation (trusting, or clearing, the headers).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from waitress.proxy_headers import proxy_headers_middleware

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The client's address, scheme and the host it asked for; nothing else (no -Port, -By:
# nginx sends none, and an unused trusted header is one more thing a proxy bug could set).
TRUSTED_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})

# Options for waitress.serve: the translation happens in ``trust_proxies``, not in waitress.
WAITRESS_OPTIONS: dict[str, Any] = {"trusted_proxy": None, "clear_untrusted_proxy_headers": False}


def parse_networks(values: Sequence[str]) -> list[Network]:
    """``192.0.2.10``, ``10.0.0.0/8``, ``2001:db8::/32``: ValueError names a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"expected IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, got {value!r}"
            ) from None
    return networks


def is_trusted(peer: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(peer.strip("[]"))
    except ValueError:  # a unix socket or garbage: never a trusted proxy
        return False
    return any(address in network for network in networks)


def trust_proxies(app: WSGIApp, *, proxies: Sequence[str], hops: int = 1) -> WSGIApp:
    """Wrap ``app`` so proxy headers count only from ``proxies``, ``hops`` proxies deep.

    From a trusted peer, waitress rewrites ``REMOTE_ADDR`` to the client address its proxy
    appended (the ``hops``-th from the right in ``X-Forwarded-For``), ``wsgi.url_scheme``
    from ``X-Forwarded-Proto`` and the host from ``X-Forwarded-Host``; from anyone else
    these headers are dropped before Django sees them.
    """
    networks = parse_networks(proxies)
    trusted = proxy_headers_middleware(
        app,
        trusted_proxy="*",
        trusted_proxy_count=hops,
        trusted_proxy_headers=set(TRUSTED_HEADERS),
        clear_untrusted=True,
    )
    untrusted = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "")
        chosen = trusted if networks and is_trusted(peer, networks) else untrusted
        result: Iterable[bytes] = chosen(environ, start_response)
        return result

    return dispatch
