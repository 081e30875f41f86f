"""The enrichment pipeline end to end: N reports in, two ``hotline worker`` processes on
PostgreSQL, time until the last item is enriched.

``python -m bench pipeline`` (``python -m bench.pipeline --reports 500`` for a quick run).
A database of its own (``HOTLINE_BENCH_PIPELINE_DATABASE_URL``, default the local server's
``hotline_bench_pipeline``; dropped and created here). The hosting trace uses the static
resolver (the demo world's table: no network), and matching is on: a hash list of 20,000
known MD5s, one report in ten names a known file. Each report is filed through
``cases.actions.file_report`` (as the company API does: stored, audited, its enrichment
queued in the same transaction) with one new URL and one new file hash, so N reports make
2 N items.

Three rounds on the same database, each with new reports filed while no worker runs, then
two workers started:

* **anchor: one at a time**: the workers claim one task per round trip and poll the outbox
  before every task (``HOTLINE_WORKER_CLAIM_BATCH=1``, ``HOTLINE_WORKER_OUTBOX_SECONDS=0``),
  which is how the worker ran before batch claiming; a batch of one also means each item is
  enriched on its own (no batch runner);
* **batched, synchronous commit**: batch claims, the items of a claimed batch enriched
  together (``cases.tasks.enrich_items``, the worker's batch runner), every commit waiting
  for the disk (``HOTLINE_WORKER_ASYNC_COMMIT_QUEUES`` empty);
* **batched**: the defaults.

The time is from the first task's start to the last item's ``enriched_at`` (database clock,
worker start-up excluded). Exits non-zero when an item of the round is left un-enriched,
was enriched twice (two ``item.enrich`` audit events) or its task ran more than once.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hotline_bench_pipeline"
KNOWN_HASHES = 20_000
# round -> (label, worker environment); the anchor first, the defaults last.
ROUNDS: dict[str, tuple[str, dict[str, str]]] = {
    "anchor": (
        "anchor: one at a time",
        {
            "HOTLINE_WORKER_CLAIM_BATCH": "1",
            "HOTLINE_WORKER_OUTBOX_SECONDS": "0",
            "HOTLINE_WORKER_ASYNC_COMMIT_QUEUES": "",
        },
    ),
    "synchronous": (
        "batched, synchronous commit",
        {"HOTLINE_WORKER_ASYNC_COMMIT_QUEUES": ""},
    ),
    "batched": ("batched (default)", {}),
}


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_VAR_DIR": str(ROOT / "var"),
            "HOTLINE_HOSTING_STATIC_TABLES": "demo",
            "HOTLINE_DEBUG": "0",  # as deployed: no per-query debug cursor
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def _recreate(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _known_md5(index: int) -> str:
    import hashlib

    return hashlib.md5(f"known-{index}".encode(), usedforsecurity=False).hexdigest()


def _prepare() -> None:
    """Migrate, and load the known hash list (through the import action, as an admin would)."""
    import io

    from django.core.management import call_command

    from hotline.matching.actions import create_hash_list, import_hash_list

    call_command("migrate", verbosity=0)
    hash_list = create_hash_list(name="Bench known list", acting_user=None)
    lines = ["algorithm,value"] + [f"md5,{_known_md5(i)}" for i in range(KNOWN_HASHES)]
    import_hash_list(
        hash_list,
        io.BytesIO("\n".join(lines).encode()),
        format_name="csv",
        strict=True,
        acting_user=None,
    )


def _file(round_name: str, reports: int) -> tuple[list[int], float]:
    """File ``reports`` reports; returns the new items' ids and the filing rate (reports/s)."""
    import hashlib

    from hotline.cases.actions import FileInput, ReportInput, file_report

    hosts = ["images.example.test", "forum.example.test", "files.example.test", "cdn.example.test"]
    items: list[int] = []
    started = time.perf_counter()
    # Known files differ per round (a file seen before is not a new item): the rounds take
    # consecutive slices of the known list.
    first_known = list(ROUNDS).index(round_name) * (reports // 10 + 1)
    for n in range(reports):
        if n % 10 == 0:
            md5 = _known_md5((first_known + n // 10) % KNOWN_HASHES)
        else:
            md5 = hashlib.md5(f"{round_name}-{n}".encode(), usedforsecurity=False).hexdigest()
        filed = file_report(
            ReportInput(
                channel="api",
                concern="csam",
                urls=[f"http://{hosts[n % len(hosts)]}/{round_name}/{n}"],
                files=[FileInput(md5=md5)],
                external_id=f"{round_name}-{n}",
            ),
            actor=None,
        )
        items += [item.pk for item in filed.new_items]
    return items, reports / (time.perf_counter() - started)


def _state(items: list[int]) -> tuple[int, int]:
    from hotline.cases.models import Item

    total = Item.objects.filter(pk__in=items).count()
    done = Item.objects.filter(pk__in=items, enriched_at__isnull=False).count()
    return done, total


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _commits() -> int:
    """Transactions committed in this database so far (the statistics collector's count)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def _start_workers(database_url: str, count: int, extra: dict[str, str]) -> list[Any]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "worker", "--interval", "0.5"],
            cwd=ROOT,
            env=_env(database_url, **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _round(
    name: str, database_url: str, reports: int, workers: int, extra: dict[str, str]
) -> dict[str, Any]:
    from django.db import connections
    from django.db.models import Count, Max, Min
    from django_tasks_db.models import DBTaskResult

    from hotline.audit.models import AuditEvent
    from hotline.cases.models import Item
    from hotline.core.models import WorkerHeartbeat

    items, filing_rate = _file(name, reports)
    known = set(Item.objects.filter(pk__in=items).values_list("pk", flat=True))
    commits_before = _commits()
    connections.close_all()
    processes = _start_workers(database_url, workers, extra)
    cpu = started_cpu = 0.0
    deadline = time.monotonic() + max(600.0, len(items) / 5)
    try:
        # CPU from when each worker is up (its heartbeat), so start-up is not counted.
        while WorkerHeartbeat.objects.count() < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        started_cpu = sum(_cpu_seconds(process.pid) for process in processes)
        while time.monotonic() < deadline:
            done, total = _state(items)
            if done == total:
                break
            time.sleep(0.25)
    finally:
        cpu = sum(_cpu_seconds(process.pid) for process in processes) - started_cpu
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    commits = _commits() - commits_before
    ids = [str(pk) for pk in items]
    tasks = DBTaskResult.objects.filter(
        task_path="hotline.cases.tasks.enrich_item", args_kwargs__kwargs__item_id__in=items
    )
    first_start = tasks.aggregate(first=Min("started_at"))["first"]
    last_enriched = Item.objects.filter(pk__in=items).aggregate(last=Max("enriched_at"))["last"]
    enriched_events = dict(
        AuditEvent.objects.filter(action="item.enrich", object_type="cases.item", object_id__in=ids)
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    runs = [len(w) for w in tasks.values_list("worker_ids", flat=True)]
    done, total = _state(items)
    elapsed = (
        (last_enriched - first_start).total_seconds() if first_start and last_enriched else 0.0
    )
    return {
        "name": name,
        "items": total,
        "expected": len(known),
        "enriched": done,
        "twice": sum(1 for n in enriched_events.values() if n > 1),
        "no_event": len(items) - len(enriched_events),
        "tasks": len(runs),
        "rerun": sum(1 for n in runs if n != 1),
        "seconds": elapsed,
        "rate": total / elapsed if elapsed else 0.0,
        "filing": filing_rate,
        "cpu_ms": cpu * 1000 / total if total else 0.0,
        "commits": commits / total if total else 0.0,
        "matched": Item.objects.filter(pk__in=items, known_match__has_key="list").count(),
    }


def _inner(database_url: str, reports: int, workers: int) -> int:
    import django

    django.setup()
    from django.db import connection

    _prepare()
    rounds = [
        _round(name, database_url, reports, workers, extra) for name, (_, extra) in ROUNDS.items()
    ]
    version = connection.cursor().connection.info.server_version
    print(
        f"Conditions: PostgreSQL {version // 10000}.{version % 10000}, {workers} `hotline worker`"
        f" processes (outbox on), static resolver (demo table), {KNOWN_HASHES:,} known MD5s;"
        f" {reports:,} reports per round filed in-process before the workers start, each with"
        " 1 new URL + 1 new file hash; time = first task start to last enriched_at."
    )
    print(
        f"{'round':<28} {'items':>6} {'enriched':>8} {'matched':>7} {'seconds':>8}"
        f" {'items/s':>8} {'worker CPU ms/item':>18} {'commits/item':>12}"
        f" {'filing reports/s':>16}"
    )
    failed = False
    for r in rounds:
        label = ROUNDS[r["name"]][0]
        print(
            f"{label:<28} {r['items']:>6} {r['enriched']:>8} {r['matched']:>7}"
            f" {r['seconds']:>8.2f} {r['rate']:>8.1f} {r['cpu_ms']:>18.2f} {r['commits']:>12.2f}"
            f" {r['filing']:>16.1f}"
        )
        problems = []
        if r["enriched"] != r["items"] or r["items"] != r["expected"]:
            problems.append(f"{r['items'] - r['enriched']} item(s) left un-enriched")
        if r["twice"] or r["no_event"]:
            problems.append(
                f"{r['twice']} item(s) enriched twice, {r['no_event']} without an audit event"
            )
        if r["tasks"] != r["items"] or r["rerun"]:
            problems.append(f"{r['tasks']} task(s) for {r['items']} items, {r['rerun']} re-run")
        if problems:
            failed = True
            print(f"  CHECK FAILED ({label}): " + "; ".join(problems))
    speedup = rounds[-1]["rate"] / rounds[0]["rate"] if rounds[0]["rate"] else 0.0
    print(f"default / anchor (one at a time): {speedup:.2f}x")
    return 1 if failed else 0


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.pipeline")
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    # The inner run is handed the URL: its environment has no HOTLINE_* variables but its own.
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    url = args.database_url or os.environ.get("HOTLINE_BENCH_PIPELINE_DATABASE_URL", DEFAULT_URL)
    if args.inner:
        sys.exit(_inner(url, args.reports, args.workers))
    try:
        _recreate(url)
    except Exception as exc:  # no PostgreSQL: say so, and fail (the figure is PostgreSQL's)
        print(f"PostgreSQL not reachable at {url}: {exc}")
        sys.exit(2)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.pipeline",
            "--inner",
            "--reports",
            str(args.reports),
            "--workers",
            str(args.workers),
            "--database-url",
            url,
        ],
        env=_env(url),
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        sys.exit(done.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
