"""Feeds benchmarks: building the RPZ zone, the URL list and the STIX/TAXII output for 1 M
blocklist entries, and a delta for 1,000 changes.

``python -m bench feeds`` (or ``python -m bench.feeds --count 100000`` for a quick run). The
entries are synthetic dedicated domains under ``example.test`` in a throwaway SQLite database
(a file in a temporary directory), so every output holds all of them: the zone has two
triggers per domain. Each measurement runs in a forked process; "peak memory" is that
process's peak resident set above what it started with.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _measured(work: Callable[[], tuple[int, int]]) -> tuple[float, int, int, int]:
    """Run ``work`` (returns items, bytes) in a forked child: (seconds, items, bytes, peak)."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child measures and reports on the pipe
        os.close(read)
        gc.collect()
        start_rss = _status("VmRSS:")
        started = time.perf_counter()
        items, size = work()
        elapsed = time.perf_counter() - started
        peak = _status("VmHWM:") - start_rss
        os.write(write, f"{elapsed} {items} {size} {peak}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    fields = report.split()
    return float(fields[0]), int(fields[1]), int(fields[2]), int(fields[3])


class _Counting(io.RawIOBase):
    """A sink that counts bytes (the output is built, not kept)."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


def _load(count: int) -> None:
    """Insert the synthetic entries with plain INSERTs (model instances would take minutes)."""
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.feeds.models import Entry, FeedList, Serial
    from hotline.feeds.values import sha256_hex

    fields = [
        "feed_list",
        "kind",
        "value",
        "value_hash",
        "attributes",
        "note",
        "stix_id",
        "added_serial",
        "added_at",
        "removal_reason",
        "removal_note",
    ]
    meta: dict[str, Any] = {name: Entry._meta.get_field(name) for name in fields}
    columns = ", ".join(connection.ops.quote_name(meta[name].column) for name in fields)
    table = connection.ops.quote_name(Entry._meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    # Names come from the model (quoted); values travel as parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    now = timezone.now()
    fixed = {
        "feed_list": FeedList.BLOCKLIST.value,
        "kind": "domain",
        "attributes": meta["attributes"].get_db_prep_value({}, connection),
        "note": "benchmark",
        "added_at": meta["added_at"].get_db_prep_value(now, connection),
        "removal_reason": "",
        "removal_note": "",
    }
    stix_field = meta["stix_id"]
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for index in range(1, count + 1):
            domain = f"d{index}.shop{index % 997}.example.test"
            row = {
                **fixed,
                "value": domain,
                "value_hash": sha256_hex(f"{domain}/"),
                "stix_id": stix_field.get_db_prep_value(uuid.uuid4(), connection),
                "added_serial": index,
            }
            batch.append([row[name] for name in fields])
            if len(batch) == 20000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    Serial.objects.filter(feed_list=FeedList.BLOCKLIST).update(value=count, changed_at=now)


def _rpz() -> tuple[int, int]:
    from hotline.feeds.actions import publish_rpz_zone

    done = publish_rpz_zone(force=True)
    return done.domains, done.path.stat().st_size


def _url_list(fmt: str, *, hashed: bool) -> Callable[[], tuple[int, int]]:
    def work() -> tuple[int, int]:
        from django.utils import timezone

        from hotline.feeds import queries
        from hotline.feeds.formats import FEEDS, FORMATS, Header
        from hotline.feeds.models import FeedList

        serial = queries.current_serial(FeedList.BLOCKLIST)
        header = Header(FEEDS["urls"], serial, timezone.now(), hashed)
        size = 0
        for chunk in FORMATS[fmt].full(
            header, queries.records(queries.live_at(FeedList.BLOCKLIST, serial))
        ):
            size += len(chunk)
        return serial, size

    return work


def _taxii(page_size: int) -> Callable[[], tuple[int, int]]:
    def work() -> tuple[int, int]:
        import json

        from hotline.feeds import queries, stix
        from hotline.feeds.models import Collection

        collection = Collection.objects.get(alias="blocklist")
        creator = stix.identity_id()
        after: int | None = None
        objects = size = 0
        while True:
            page = queries.versions(
                collection.feed_list, queries.VersionFilter(after=after), limit=page_size + 1
            )
            body = json.dumps(
                {
                    "more": len(page) > page_size,
                    "objects": [
                        stix.indicator(v, tlp=collection.tlp, creator=creator)
                        for v in page[:page_size]
                    ],
                }
            )
            objects += min(len(page), page_size)
            size += len(body)
            if len(page) <= page_size:
                return objects, size
            after = page[page_size - 1].key

    return work


def _changes(changes: int) -> tuple[float, int]:
    """Half lifts, half new domains, through the actions (audited, one serial each)."""
    from hotline.accounts.actions import create_organisation, create_user
    from hotline.accounts.models import OrganisationKind, Role
    from hotline.feeds import actions
    from hotline.feeds.models import Entry
    from hotline.routing.models import JurisdictionProfile

    JurisdictionProfile.objects.update_or_create(country="FR", defaults={"blocking_allowed": True})
    organisation = create_organisation(
        name="Bench hotline",
        kind=OrganisationKind.HOTLINE,
        country="FR",
        is_own=True,
        acting_user=None,
    )
    analyst = create_user(
        username="bench",
        password=None,
        organisation=organisation,
        roles=[Role.ANALYST],
        acting_user=None,
    )
    lifted = list(Entry.objects.order_by("pk")[: changes // 2])
    started = time.perf_counter()
    for entry in lifted:
        actions.lift_entry(entry, reason="benchmark", acting_user=analyst)
    for index in range(changes - len(lifted)):
        actions.mark_domain_dedicated(
            f"new{index}.example.test", reason="benchmark", acting_user=analyst
        )
    return time.perf_counter() - started, changes


def _delta(since: int) -> Callable[[], tuple[int, int]]:
    def work() -> tuple[int, int]:
        import json

        from django.utils import timezone

        from hotline.feeds import queries
        from hotline.feeds.formats import FEEDS, FORMATS, Header
        from hotline.feeds.models import FeedList

        serial = queries.current_serial(FeedList.BLOCKLIST)
        header = Header(FEEDS["urls"], serial, timezone.now(), False, from_serial=since)
        body = b"".join(
            FORMATS["json"].delta(
                header,
                queries.records(queries.removed_between(FeedList.BLOCKLIST, since, serial)),
                queries.records(queries.added_between(FeedList.BLOCKLIST, since, serial)),
            )
        )
        document = json.loads(body)
        return document["removed_count"] + document["added_count"], len(body)

    return work


def _row(name: str, result: tuple[float, int, int, int]) -> list[str]:
    elapsed, items, size, peak = result
    return [
        name,
        f"{items:,}",
        f"{elapsed:.2f}",
        f"{items / elapsed:,.0f}" if elapsed else "-",
        f"{size / 1e6:,.1f} MB",
        f"{peak / 2**20:,.0f} MiB",
    ]


def _inner(count: int, changes: int) -> None:
    import django

    django.setup()
    import sqlite3

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _load(count)
    loaded = time.perf_counter() - started
    print(
        f"\nConditions: {count:,} dedicated domains (synthetic, example.test) in SQLite"
        f" {sqlite3.sqlite_version} on a local file, loaded in {loaded:.0f} s; one process,"
        " each output built from the database and counted, not kept."
    )
    rows = [
        _row("RPZ zone file (2 triggers per domain, atomic write)", _measured(_rpz)),
        _row("URL list, JSON", _measured(_url_list("json", hashed=False))),
        _row("URL list, JSON, SHA-256 hashed", _measured(_url_list("json", hashed=True))),
        _row("URL list, plain text", _measured(_url_list("text", hashed=False))),
        _row("STIX 2.1 via TAXII pages of 10,000", _measured(_taxii(10000))),
    ]
    since = count
    elapsed, made = _changes(changes)
    rows.append(_row(f"delta for {changes:,} changes (JSON)", _measured(_delta(since))))
    _table(["output", "entries", "seconds", "entries/s", "size", "peak memory"], rows)
    print(
        f"The {made:,} changes themselves ({made // 2:,} lifts, {made - made // 2:,} new domains,"
        f" each audited with its own serial) took {elapsed:.2f} s ({made / elapsed:,.0f}/s)."
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.feeds")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _inner(args.count, args.changes)
        return
    # A database of its own, in a child process: the benchmark never touches var/.
    with tempfile.TemporaryDirectory(prefix="hotline-bench-feeds-") as directory:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "HOTLINE_DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
            "HOTLINE_VAR_DIR": directory,
            "HOTLINE_LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.feeds",
                "--inner",
                "--count",
                str(args.count),
                "--changes",
                str(args.changes),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
