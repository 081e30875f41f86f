"""URL to request target: what is sent for an accepted URL."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from hotline.takedown.liveness.targets import Target, parse_target

PORTS = frozenset({80, 443, 8080, 8443})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://Site.Example.Test/a/b?c=d#fragment",
            Target(
                "http://Site.Example.Test/a/b?c=d#fragment",
                "http",
                "site.example.test",
                None,
                80,
                "/a/b?c=d",
            ),
        ),
        (
            "https://site.example.test.:8443",
            Target(
                "https://site.example.test.:8443", "https", "site.example.test", None, 8443, "/"
            ),
        ),
        (
            "http://b\u00fccher.example.test/\u00e4 b?q=\u00f6 x",
            Target(
                "http://b\u00fccher.example.test/\u00e4 b?q=\u00f6 x",
                "http",
                "xn--bcher-kva.example.test",
                None,
                80,
                "/%C3%A4%20b?q=%C3%B6%20x",
            ),
        ),
        (
            "http://198.51.100.7:8080/x",
            Target(
                "http://198.51.100.7:8080/x",
                "http",
                "198.51.100.7",
                IPv4Address("198.51.100.7"),
                8080,
                "/x",
            ),
        ),
        (
            "HTTPS://[2001:DB8::1]/",
            Target(
                "HTTPS://[2001:DB8::1]/",
                "https",
                "2001:db8::1",
                IPv6Address("2001:db8::1"),
                443,
                "/",
            ),
        ),
        (
            "http://3325256711/",
            Target(
                "http://3325256711/", "http", "198.51.100.7", IPv4Address("198.51.100.7"), 80, "/"
            ),
        ),
    ],
)
def test_parse_target_reads_url(url: str, expected: Target) -> None:
    assert parse_target(url, allowed_ports=PORTS) == expected


@pytest.mark.parametrize(
    ("url", "host_header"),
    [
        ("http://site.example.test/", "site.example.test"),
        ("http://site.example.test:80/", "site.example.test"),
        ("https://site.example.test/", "site.example.test"),
        ("https://site.example.test:8443/", "site.example.test:8443"),
        ("http://site.example.test:443/", "site.example.test:443"),
        ("http://[2001:db8::1]:8080/", "[2001:db8::1]:8080"),
    ],
)
def test_target_host_header_omits_only_the_default_port(url: str, host_header: str) -> None:
    assert parse_target(url, allowed_ports=PORTS).host_header == host_header
