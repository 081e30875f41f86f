"""Feeds at 1 M entries through the real endpoints: a ``hotline run`` web process (waitress)
on loopback, a feed consumer's bearer token, every pull audited, each output parsed.

``python -m bench feeds`` (``python -m bench.feeds --count 100000`` for a quick run). The
entries are synthetic dedicated domains under ``example.test`` in a throwaway SQLite database
(a file in a temporary directory): the zone has two triggers per domain. For each row the
benchmark resets the server process's peak resident set (``/proc/<pid>/clear_refs``), makes
the request and reads the whole response, then reads the server's peak (``VmHWM``): the
figure is the server's absolute peak during that request, its baseline included.

Checks (the benchmark exits non-zero when one fails): the RPZ zone loads in
``named-checkzone`` with two records per domain; the JSON lists parse and hold every entry;
the text list has one line per entry; the hashed list holds SHA-256 values only; the TAXII
collection, walked page by page with ``next``, holds every indicator once; the delta holds
exactly the changes; each request wrote its ``feeds.pull`` audit event. The anchor, measured
in the same run, is the floor under any feed: reading the same values from the same SQLite
file with the ``sqlite3`` module and joining them, no Django, no HTTP.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TAXII = "application/taxii+json;version=2.1"
FAILURES: list[str] = []


def _check(ok: bool, what: str) -> str:
    if not ok:
        FAILURES.append(what)
    return "ok" if ok else "FAILED"


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _load(count: int) -> None:
    """Insert the synthetic entries with plain INSERTs (model instances would take minutes),
    each with the stored STIX indicator the listing action writes (``stix.stored_indicator``)."""
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.feeds import stix
    from hotline.feeds.models import Entry, FeedList, Serial
    from hotline.feeds.queries import FeedRecord, Version
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
        "stix_added",
        "stix_revoked",
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
        "stix_revoked": "",
    }
    stix_field = meta["stix_id"]
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for index in range(1, count + 1):
            domain = f"d{index}.shop{index % 997}.example.test"
            stix_id = uuid.uuid4()
            value_hash = sha256_hex(f"{domain}/")
            record = FeedRecord(
                0, "domain", domain, value_hash, {}, stix_id, index, now, None, None, ""
            )
            row = {
                **fixed,
                "value": domain,
                "value_hash": value_hash,
                "stix_id": stix_field.get_db_prep_value(stix_id, connection),
                "added_serial": index,
                "stix_added": stix.stored_indicator(Version(index, record, False)),
            }
            batch.append([row[name] for name in fields])
            if len(batch) == 20000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    Serial.objects.filter(feed_list=FeedList.BLOCKLIST).update(value=count, changed_at=now)


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_reset(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _peak(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class Server:
    """One ``hotline run --web-only`` process (the web child ``hotline run`` supervises)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "run",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--threads",
                "4",
                "--web-only",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the web server did not start")

    def get(
        self, path: str, token: str, *, accept: str = "*/*", sink: Path | None = None
    ) -> tuple[int, bytes, float, int]:
        """(status, body (empty when written to ``sink``), seconds, server peak bytes)."""
        _peak_reset(self.process.pid)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": accept})
        response = conn.getresponse()
        chunks: list[bytes] = []
        out = sink.open("wb") if sink else None
        while chunk := response.read(1 << 20):
            if out:
                out.write(chunk)
            else:
                chunks.append(chunk)
        elapsed = time.perf_counter() - started
        if out:
            out.close()
        conn.close()
        return response.status, b"".join(chunks), elapsed, _peak(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _pulls() -> int:
    from hotline.audit.models import AuditEvent

    return AuditEvent.objects.filter(action="feeds.pull").count()


def _setup_consumer() -> tuple[str, str]:
    """A feed consumer with every feed scope, subscribed to the blocklist collection."""
    from hotline.accounts.actions import create_organisation, issue_credential
    from hotline.accounts.models import OrganisationKind, Scope
    from hotline.feeds.actions import subscribe
    from hotline.feeds.models import Collection

    organisation = create_organisation(
        name="Bench ISP", kind=OrganisationKind.INDUSTRY, country="FR", acting_user=None
    )
    issued = issue_credential(
        organisation=organisation,
        name="bench feeds",
        kind="feed_consumer",
        scopes=[Scope.FEED_RPZ, Scope.FEED_URLS, Scope.FEED_TAXII],
        acting_user=None,
    )
    collection = Collection.objects.get(alias="blocklist")
    subscribe(issued.credential, collection, acting_user=None)
    return issued.token, str(collection.pk)


def _anchor(database: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    with sqlite3.connect(database) as db:
        values = [row[0] for row in db.execute("SELECT value FROM feeds_entry")]
    size = len("\n".join(values))
    return time.perf_counter() - started, len(values), size


def _row(name: str, items: int, seconds: float, size: int, peak: int, check: str) -> list[str]:
    return [
        name,
        f"{items:,}",
        f"{seconds:.2f}",
        f"{items / seconds:,.0f}" if seconds else "-",
        f"{size / 1e6:,.1f} MB",
        f"{peak / 2**20:,.0f} MiB" if peak else "-",
        check,
    ]


def _checkzone(zone: str, path: Path, count: int) -> str:
    tool = shutil.which("named-checkzone") or "/usr/sbin/named-checkzone"
    done = subprocess.run(
        [tool, "-i", "none", zone, str(path)], capture_output=True, text=True, check=False
    )
    records = sum(1 for line in path.read_text().splitlines() if re.search(r"\bCNAME\b", line))
    return _check(
        done.returncode == 0 and records == 2 * count,
        f"RPZ: named-checkzone rc={done.returncode} ({done.stdout.strip()[-200:]}), "
        f"{records} records for {count} domains",
    )


def _inner(count: int, changes: int, directory: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _load(count)
    token, collection = _setup_consumer()
    loaded = time.perf_counter() - started
    print(
        f"\nConditions: {count:,} dedicated domains (synthetic, example.test) in SQLite"
        f" {sqlite3.sqlite_version} on a local file, loaded in {loaded:.0f} s; one `hotline run"
        " --web-only` process (waitress, 4 threads) on loopback, a feed consumer's token, each"
        " response read whole by a client in another process and checked."
    )
    server = Server(dict(os.environ))
    rows: list[list[str]] = []
    try:
        pulls = _pulls()
        zone_file = directory / "fetched.zone"

        def pulled(name: str) -> str:
            nonlocal pulls
            now = _pulls()
            ok = _check(now == pulls + 1, f"{name}: {now - pulls} feeds.pull audit events, not 1")
            pulls = now
            return ok

        status, _, seconds, peak = server.get("/api/v1/feeds/rpz", token, sink=zone_file)
        check = _checkzone(settings.FEEDS_RPZ_ZONE, zone_file, count)
        rows.append(
            _row(
                "RPZ zone, streamed from the database",
                count,
                seconds,
                zone_file.stat().st_size,
                peak,
                f"{_check(status == 200, 'RPZ status')} {check} {pulled('RPZ')}",
            )
        )
        from hotline.feeds.actions import publish_rpz_zone

        began = time.perf_counter()
        published = publish_rpz_zone(force=True)
        publish_seconds = time.perf_counter() - began
        status, _, seconds, peak = server.get("/api/v1/feeds/rpz", token, sink=zone_file)
        check = _checkzone(settings.FEEDS_RPZ_ZONE, zone_file, count)
        rows.append(
            _row(
                f"RPZ zone, published file (publish took {publish_seconds:.1f} s)",
                published.domains,
                seconds,
                zone_file.stat().st_size,
                peak,
                f"{_check(status == 200, 'RPZ file status')} {check} {pulled('RPZ file')}",
            )
        )
        for label, query, hashed in (
            ("URL list, JSON", "format=json", False),
            ("URL list, JSON, SHA-256 hashed", "format=json&hashed=1", True),
        ):
            status, body, seconds, peak = server.get(f"/api/v1/feeds/urls?{query}", token)
            document = json.loads(body)
            entries = document["entries"]
            ok = status == 200 and document["count"] == count == len(entries)
            if hashed:
                ok = ok and all(
                    re.fullmatch("[0-9a-f]{64}", str(e.get("sha256", ""))) for e in entries
                )
            rows.append(
                _row(
                    label,
                    len(entries),
                    seconds,
                    len(body),
                    peak,
                    f"{_check(ok, f'{label}: {len(entries)} entries')} {pulled(label)}",
                )
            )
            del document, entries
        status, body, seconds, peak = server.get("/api/v1/feeds/urls?format=text", token)
        lines = [line for line in body.decode().splitlines() if line and not line.startswith("#")]
        rows.append(
            _row(
                "URL list, plain text",
                len(lines),
                seconds,
                len(body),
                peak,
                f"{_check(status == 200 and len(lines) == count, f'text: {len(lines)} lines')}"
                f" {pulled('text')}",
            )
        )
        del lines
        # The whole TAXII collection: page after page (the largest page the server allows).
        path = f"/api/v1/taxii2/feeds/collections/{collection}/objects/?limit={settings.FEEDS_TAXII_MAX_PAGE}"
        indicators: set[str] = set()
        total_seconds = 0.0
        total_size = peak_max = pages = 0
        envelopes_ok = True
        next_key: str | None = None
        while True:
            url = path + (f"&next={next_key}" if next_key else "")
            status, body, seconds, peak = server.get(url, token, accept=TAXII)
            envelope = json.loads(body)
            pages += 1
            total_seconds += seconds
            total_size += len(body)
            peak_max = max(peak_max, peak)
            envelopes_ok &= status == 200 and isinstance(envelope.get("more"), bool)
            for obj in envelope.get("objects", []):
                if obj.get("type") == "indicator":
                    indicators.add(obj["id"])
            if not envelope["more"]:
                break
            next_key = envelope["next"]
        now = _pulls()
        audited = _check(
            now == pulls + pages, f"TAXII: {now - pulls} audit events for {pages} pages"
        )
        pulls = now
        rows.append(
            _row(
                f"TAXII collection, all {pages} pages",
                len(indicators),
                total_seconds,
                total_size,
                peak_max,
                f"{_check(envelopes_ok and len(indicators) == count, f'TAXII: {len(indicators)} indicators')}"
                f" {audited}",
            )
        )
        del indicators
        elapsed, made = _changes(changes)
        timings = []
        for _ in range(5):
            status, body, seconds, peak = server.get(
                f"/api/v1/feeds/urls/delta?since={count}&format=json", token
            )
            timings.append(seconds)
        document = json.loads(body)
        got = document["removed_count"] + document["added_count"]
        timings.sort()
        rows.append(
            _row(
                f"delta for {changes:,} changes, JSON (median of 5; best {timings[0] * 1000:.0f} ms)",
                got,
                timings[2],
                len(body),
                peak,
                f"{_check(status == 200 and got == changes, f'delta: {got} changes')}",
            )
        )
        seconds, items, size = _anchor(Path(settings.DATABASES["default"]["NAME"]))
        rows.append(
            _row("anchor: sqlite3 SELECT of the values, joined", items, seconds, size, 0, "")
        )
    finally:
        server.stop()
    _table(
        ["output (over HTTP)", "entries", "seconds", "entries/s", "size", "server peak", "checks"],
        rows,
    )
    print(
        f"The {made:,} changes themselves ({made // 2:,} lifts, {made - made // 2:,} new domains,"
        f" each audited with its own serial) took {elapsed:.2f} s ({made / elapsed:,.0f}/s)."
    )
    if FAILURES:
        print("CHECKS FAILED:\n  " + "\n  ".join(FAILURES))
        sys.exit(1)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.feeds")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _inner(args.count, args.changes, Path(os.environ["HOTLINE_VAR_DIR"]))
        return
    # A database of its own, in a child process: the benchmark never touches var/.
    with tempfile.TemporaryDirectory(prefix="hotline-bench-feeds-") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "hotline.settings",
                "HOTLINE_DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
                "HOTLINE_VAR_DIR": directory,
                "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_DEBUG": "0",  # as deployed: no per-query debug cursor
                "PYTHONPATH": str(ROOT),
            }
        )
        done = subprocess.run(
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
            check=False,
        )
        if done.returncode:
            sys.exit(done.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
