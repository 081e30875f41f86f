"""Proxy headers count only from HOTLINE_TRUSTED_PROXIES (hotline.core.proxy, as `hotline run`
wraps the application); from anyone else they are removed before Django sees them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from hotline.core.proxy import is_trusted, parse_networks, trust_proxies

SPOOF = {
    "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": "evil.example.test",
    "HTTP_X_FORWARDED_PORT": "443",
}


def _seen(
    peer: str, headers: dict[str, str], *, proxies: list[str], hops: int = 1
) -> dict[str, Any]:
    """The WSGI environ the application receives for a request from ``peer``."""
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.update(environ)
        start_response("204 No Content", [])
        return [b""]

    environ = {
        "REMOTE_ADDR": peer,
        "REMOTE_PORT": "50000",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "hotline.example.test",
        **headers,
    }
    trust_proxies(app, proxies=proxies, hops=hops)(environ, lambda status, headers: None)
    return seen


def test_trusted_proxy_sets_client_address_scheme_and_host() -> None:
    seen = _seen(
        "127.0.0.1",
        {
            "HTTP_X_FORWARDED_FOR": "198.51.100.7",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "hotline.example.test",
        },
        proxies=["127.0.0.1"],
    )

    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
        "198.51.100.7",
        "https",
        "hotline.example.test",
    )


def test_untrusted_peer_cannot_claim_an_address_or_https() -> None:
    seen = _seen("192.0.2.50", SPOOF, proxies=["127.0.0.1"])

    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
        "192.0.2.50",
        "http",
        "hotline.example.test",
    )
    assert [name for name in SPOOF if name in seen] == []


def test_no_trusted_proxies_trusts_nobody() -> None:
    seen = _seen("127.0.0.1", SPOOF, proxies=[])

    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("127.0.0.1", "http")
    assert [name for name in SPOOF if name in seen] == []


def test_client_prepended_addresses_are_ignored_behind_one_proxy() -> None:
    # The client sent "X-Forwarded-For: 203.0.113.9"; the proxy appended the real address.
    seen = _seen(
        "10.1.2.3",
        {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7", "HTTP_X_FORWARDED_PROTO": "https"},
        proxies=["10.0.0.0/8"],
    )

    assert seen["REMOTE_ADDR"] == "198.51.100.7"


def test_two_hops_take_the_address_the_outer_proxy_saw() -> None:
    seen = _seen(
        "10.1.2.3",
        {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7, 10.9.9.9"},
        proxies=["10.0.0.0/8"],
        hops=2,
    )

    assert seen["REMOTE_ADDR"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        ("10.0.0.1", True),
        ("2001:db8::1", True),
        ("[2001:db8::1]", True),
        ("11.0.0.1", False),
        ("localhost", False),
        ("", False),
    ],
)
def test_peer_matching(peer: str, trusted: bool) -> None:
    assert is_trusted(peer, parse_networks(["10.0.0.0/8", "2001:db8::/32"])) is trusted


def test_a_bad_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match=re.escape("got 'proxy.example.test'")):
        parse_networks(["127.0.0.1", "proxy.example.test"])
