"""Hosting benchmarks: URL canonicalisation, lookup-expression hashing, registrable domains and
IP data lookups, on synthetic URLs under reserved names."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any


def _synthetic_urls(count: int) -> list[str]:
    rng = random.Random(20261128)
    hosts = [
        "example.test",
        "www.example.test",
        "a.b.c.example.invalid",
        "192.0.2.7",
        "[2001:db8::7]",
    ]
    urls = []
    for index in range(count):
        path = "/".join(rng.choice(["a", "b%20c", "..", ".", "%2525", "d.html"]) for _ in range(4))
        query = f"?id={index}&q=%C3%BC" if index % 3 else ""
        urls.append(f"HTTP://{rng.choice(hosts)}:8080/{path}{query}#frag")
    return urls


def _rate(label: str, items: list[Any], work: Callable[[Any], object]) -> None:
    start = time.perf_counter()
    for item in items:
        work(item)
    elapsed = time.perf_counter() - start
    print(f"- {label}: {len(items) / elapsed:,.0f}/s ({len(items)} in {elapsed:.3f} s)")


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from hotline.hosting.canonical import canonicalize, expression_hashes
    from hotline.hosting.domains import registrable_domain
    from hotline.hosting.ipinfo import EmbeddedIpInfo

    urls = _synthetic_urls(20000)
    for url in urls[:100]:  # warm-up: IDNA tables, regexes
        canonicalize(url)
    _rate("canonicalize", urls, canonicalize)
    canonical = [canonicalize(url) for url in urls]
    _rate("expression_hashes (canonical input)", canonical, expression_hashes)
    _rate("registrable_domain", [url.host for url in canonical], registrable_domain)
    provider = EmbeddedIpInfo()
    start = time.perf_counter()
    provider.lookup("192.175.48.1")
    print(f"- embedded IP data first lookup (loads the data): {time.perf_counter() - start:.3f} s")
    addresses = [f"192.175.48.{n % 256}" for n in range(20000)]
    _rate("embedded IP lookup", addresses, provider.lookup)


if __name__ == "__main__":
    main([])
