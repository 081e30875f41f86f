"""Staff search over a synthetic instance: how long each kind of query takes as the data
grows, next to its anchor measured in the same run.

Anchors: for a host, IP or hash query, the one indexed ORM lookup it comes down to; for a
network (CIDR) query, Python's ``ipaddress`` containment over the same addresses, which is
the part search does in Python so SQLite and PostgreSQL behave alike. The correctness check
(every query finds exactly the items it should) makes the run exit non-zero when it fails.

Runs on a throw-away SQLite database under a temporary HOTLINE_VAR_DIR (or the database in
HOTLINE_BENCH_DATABASE_URL). Synthetic data under reserved names only: example.test hosts,
192.0.2.0/24 and 198.18.0.0/15 addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial

SIZES = (1_000, 10_000)
REPEAT = 20


def _time(work: Callable[[], object], repeat: int = REPEAT) -> float:
    work()  # warm-up
    start = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - start) / repeat * 1000


def _address(n: int) -> str:
    # 198.18.0.0/15 is reserved for benchmarking (RFC 2544); the first 256 use 192.0.2.0/24.
    if n < 256:
        return f"192.0.2.{n}"
    return str(ipaddress.ip_address("198.18.0.0") + n)


def _populate(count: int) -> None:
    from django.utils import timezone

    from hotline.cases.models import Item, ItemKind
    from hotline.hosting.models import HostingTrace, IpObservation

    now = timezone.now()
    start = Item.objects.count()
    traces = HostingTrace.objects.bulk_create(
        HostingTrace(
            host=f"h{n}.bench.example.test",
            registrable_domain="example.test",
            looked_up_at=now,
            resolver="static",
        )
        for n in range(start, count)
    )
    IpObservation.objects.bulk_create(
        IpObservation(trace=t, position=0, ip=_address(n), country="DE")
        for n, t in zip(range(start, count), traces, strict=True)
    )
    Item.objects.bulk_create(
        Item(
            kind=ItemKind.URL,
            canonical_url=f"http://h{n}.bench.example.test/",
            canonical_url_hash=hashlib.sha256(
                f"http://h{n}.bench.example.test/".encode()
            ).hexdigest(),
            host=f"h{n}.bench.example.test",
            registrable_domain="example.test",
            hosting_trace=t,
            hosting_country="DE",
            sha256=hashlib.sha256(f"bench {n}".encode()).hexdigest(),
        )
        for n, t in zip(range(start, count), traces, strict=True)
    )


def _orm(**lookup: str) -> Callable[[], object]:
    from hotline.cases.models import Item

    return lambda: list(Item.objects.filter(**lookup))


def _containment(size: int, network: str) -> Callable[[], object]:
    def contained() -> list[str]:
        net = ipaddress.ip_network(network)
        return [a for a in map(_address, range(size)) if ipaddress.ip_address(a) in net]

    return contained


def main(argv: list[str]) -> None:
    tmp = tempfile.TemporaryDirectory()
    os.environ["HOTLINE_VAR_DIR"] = tmp.name
    if os.environ.get("HOTLINE_BENCH_DATABASE_URL"):
        os.environ["HOTLINE_DATABASE_URL"] = os.environ["HOTLINE_BENCH_DATABASE_URL"]
    else:
        os.environ.pop("HOTLINE_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from hotline.accounts import actions
    from hotline.accounts.models import OrganisationKind, Role
    from hotline.site.search import search

    call_command("migrate", verbosity=0)
    org = actions.create_organisation(
        name="Bench hotline",
        kind=OrganisationKind.HOTLINE,
        country="FR",
        is_own=True,
        acting_user=None,
    )
    analyst = actions.create_user(
        username="bench",
        password="a long bench passphrase",  # noqa: S106  (a throw-away bench database)
        organisation=org,
        roles=[Role.ANALYST],
        acting_user=None,
    )
    failures = []
    for size in SIZES:
        _populate(size)
        print(f"- {size:,} items, each with its hosting trace")
        probe = size // 2
        host = f"h{probe}.bench.example.test"
        sha = hashlib.sha256(f"bench {probe}".encode()).hexdigest()
        ip = _address(probe)
        network = "192.0.2.0/25"
        expected = {host: 1, ip: 1, sha: 1, network: 128}
        cases: list[tuple[str, str, Callable[[], object]]] = [
            (host, "ORM host lookup", _orm(host=host)),
            (
                ip,
                "ORM address lookup",
                _orm(hosting_trace__observations__ip=ip),
            ),
            (sha, "ORM hash lookup", _orm(sha256=sha)),
            (
                network,
                "ipaddress containment over every address",
                _containment(size, network),
            ),
        ]
        for query, anchor_label, anchor in cases:
            found = len(search(analyst, query).items)
            if found != min(expected[query], 50):
                failures.append(f"{query}: found {found}, expected {expected[query]}")
            took = _time(partial(search, analyst, query))
            anchored = _time(anchor)
            print(
                f"  - search {query!r}: {took:.2f} ms (anchor, {anchor_label}: {anchored:.2f} ms)"
            )
    tmp.cleanup()
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main([])
