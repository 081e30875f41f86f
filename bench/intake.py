"""Company-API intake on PostgreSQL with several web processes: reports/s, latency, nothing lost.

Starts ``BENCH_INTAKE_WEB`` real ``hotline run`` web processes (waitress, no worker, no
scheduler) on loopback ports, and client processes that post through keep-alive connections,
spread over the web processes as a load balancer would: first single reports, then batches,
then single reports from many more clients on fewer processes with more threads each.
Every accepted report is then looked up: the run fails (exit 1) if any accepted report or its
``report.file`` audit event is missing, if an item's report count is not its number of
reports (a lost update among batches reporting the same items), or if the audit tree does
not verify once the sequencer has placed the run's events (its rate is printed too).

The anchors, measured in the same run on the same database with as many client connections:
a bare single-row INSERT + COMMIT (the database's commit rate here), and the old audit append
(advisory lock, read the chain's end, INSERT, COMMIT) that serialised every writer; and
what the database alone does with no web tier: a single report's statements sent by pgbench
(checked against the statements the product ran), and every row of the run copied server
side into copies of the tables with their indexes and foreign keys. Each row prints the CPU
per report of the web processes, of the clients, and of the rest of the machine (PostgreSQL).
PostgreSQL: ``HOTLINE_BENCH_DATABASE_URL`` (default the local server's ``hotline_bench``
database, created and dropped here).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB = int(os.environ.get("BENCH_INTAKE_WEB", "3"))
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "4"))
# Single reports from many more clients, on fewer processes with more threads each: bigger
# groups per commit (group commit gathers what one process has waiting), longer queues.
MANY = int(os.environ.get("BENCH_INTAKE_MANY_CLIENTS", "48"))
MANY_WEB = int(os.environ.get("BENCH_INTAKE_MANY_WEB", "2"))
MANY_THREADS = int(os.environ.get("BENCH_INTAKE_MANY_THREADS", "16"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "12"))
SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "10"))
BATCH = int(os.environ.get("BENCH_INTAKE_BATCH", "100"))
BATCH_CLIENTS = int(os.environ.get("BENCH_INTAKE_BATCH_CLIENTS", "6"))
# The largest batch the API takes (hotline.intake.schema.MAX_BATCH), as a bulk sender posts.
LARGEST = int(os.environ.get("BENCH_INTAKE_LARGEST_BATCH", "500"))
LARGEST_CLIENTS = int(os.environ.get("BENCH_INTAKE_LARGEST_CLIENTS", "4"))
# Reports of what is already known (a URL and a file reported before), from a pool this big.
POOL = int(os.environ.get("BENCH_INTAKE_KNOWN_POOL", "20000"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_DEBUG": "0",  # as deployed: no per-query debug cursor
            "HOTLINE_VAR_DIR": str(ROOT / "var"),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
        }
    )
    return env


SETUP = """
import django; django.setup()
from hotline.accounts import actions
org = actions.create_organisation(name="Bench ESP", kind="industry", country="US", acting_user=None)
print(org.pk)
print(actions.issue_credential(organisation=org, name="bench", kind="company_intake", scopes=["intake"], acting_user=None).token)
"""


CPU_PROBE = """
import json, time, django
django.setup()
from django.test import Client
token = {token!r}
client = Client()
def post(n):
    body = {{"reports": [{{"external_id": f"cpu-{{n}}", "incident_type": "csam",
        "urls": [f"http://cpu{{n}}.example.test/"], "files": [{{"md5": f"{{n:032x}}"}}]}}]}}
    response = client.post("/api/v1/reports", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {{token}}")
    assert response.status_code == 201, response.status_code
post(0)
cpu, wall = time.process_time(), time.perf_counter()
for n in range(1, 101):
    post(n)
print((time.process_time() - cpu) * 10, (time.perf_counter() - wall) * 10)
from django.db import connection
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as captured:
    post(101)
print(json.dumps([query["sql"] for query in captured.captured_queries]))
"""


def _cpu_per_report(env: dict[str, str], token: str) -> tuple[float, float, list[str]]:
    """The web side's own CPU and the wall time per single report, one request at a time in
    one process (Django's test client: no HTTP server, no concurrency), and the statements one
    single report runs (through Django's cursor: not the connection's health check, BEGIN or
    COMMIT)."""
    probe = subprocess.run(
        [sys.executable, "-c", CPU_PROBE.format(token=token)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    timing, statements = probe.stdout.splitlines()[-2:]
    cpu, wall = timing.split()
    return float(cpu), float(wall), json.loads(statements)


def _known(k: int) -> tuple[str, str]:
    """The URL and file hash of the pool's ``k``-th known report."""
    return (
        f"http://known{k % 97}.example.test/{k}",
        hashlib.md5(f"known-{k}".encode()).hexdigest(),  # noqa: S324 - synthetic
    )


def _body(batch: int, prefix: str, n: int, known: bool = False) -> tuple[bytes, list[str]]:
    """A batch of new reports, or (``known``) of reports of a URL and a file filed before:
    from the pool, at a place that depends on the client (``prefix``), so that concurrent
    clients rarely report the same item at the same moment."""
    ids = [f"{prefix}-{n}-{i}" for i in range(batch)]
    start = int(hashlib.sha256(prefix.encode()).hexdigest()[:8], 16) + n * batch
    reports = []
    for i, external_id in enumerate(ids):
        if known:
            url, md5 = _known((start + i) % POOL)
        else:
            url = f"http://h{n % 997}.example.test/{external_id}"
            md5 = hashlib.md5(external_id.encode()).hexdigest()  # noqa: S324 - synthetic
        reports.append(
            {
                "external_id": external_id,
                "incident_type": "csam",
                "urls": [url],
                "files": [{"md5": md5}],
            }
        )
    return json.dumps({"reports": reports}).encode(), ids


def _file_pool(port: int, token: str) -> None:
    """File the pool's reports once (not measured), in the largest batches."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for first in range(0, POOL, LARGEST):
        reports = [
            {
                "external_id": f"pool-{k}",
                "incident_type": "csam",
                "urls": [url],
                "files": [{"md5": md5}],
            }
            for k in range(first, min(POOL, first + LARGEST))
            for url, md5 in [_known(k)]
        ]
        conn.request(
            "POST",
            "/api/v1/reports",
            body=json.dumps({"reports": reports}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"filing the pool of known reports: HTTP {response.status}")
    conn.close()


def _client(
    port: int, token: str, batch: int, prefix: str, deadline: float, known: bool
) -> dict[str, Any]:
    """One client connection: post until the deadline; what was accepted and how fast."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies: list[float] = []
    accepted: list[str] = []
    errors: dict[str, int] = {}
    n = 0
    while time.monotonic() < deadline:
        body, _ = _body(batch, prefix, n, known) if batch else (b"", [])
        n += 1
        started = time.perf_counter()
        try:
            if batch:
                conn.request(
                    "POST",
                    "/api/v1/reports",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
            else:  # the server's floor: a trivial request through the same stack
                conn.request("GET", "/healthz")
            response = conn.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        latencies.append(time.perf_counter() - started)
        if not batch:
            errors.update({} if response.status == 200 else {str(response.status): 1})
            continue
        if response.status != 201:
            errors[str(response.status)] = errors.get(str(response.status), 0) + 1
            continue
        created = [
            r["external_id"] for r in json.loads(answer)["reports"] if r["result"] == "created"
        ]
        accepted.extend(created)
    conn.close()
    return {"latencies": latencies, "accepted": accepted, "errors": errors}


def _client_process(args: tuple[int, str, int, str, float, int, bool]) -> dict[str, Any]:
    port, token, batch, prefix, deadline, threads, known = args
    cpu = time.process_time()  # this client process's own CPU, all its threads
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def run(k: int) -> None:
        result = _client(port, token, batch, f"{prefix}t{k}", deadline, known)
        with lock:
            results.append(result)

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    merged: dict[str, Any] = {"latencies": [], "accepted": [], "errors": {}}
    merged["cpu"] = time.process_time() - cpu
    for r in results:
        merged["latencies"] += r["latencies"]
        merged["accepted"] += r["accepted"]
        for key, count in r["errors"].items():
            merged["errors"][key] = merged["errors"].get(key, 0) + count
    return merged


def _load(
    ports: list[int], token: str, batch: int, clients: int, known: bool = False
) -> dict[str, Any]:
    """``clients`` connections spread over the web processes, from one client process per web
    process (so the clients' own Python is not one GIL)."""
    prefix = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    deadline = time.monotonic() + SECONDS
    jobs = []
    for p, port in enumerate(ports):
        threads = clients // len(ports) + (1 if p < clients % len(ports) else 0)
        if threads:
            jobs.append((port, token, batch, f"{prefix}p{p}", deadline, threads, known))
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        parts = pool.map(_client_process, jobs)
    elapsed = time.perf_counter() - started
    latencies = sorted(x for part in parts for x in part["latencies"])
    accepted = [x for part in parts for x in part["accepted"]]
    errors: dict[str, int] = {}
    for part in parts:
        for key, count in part["errors"].items():
            errors[key] = errors.get(key, 0) + count
    return {
        "batch": batch,
        "clients": clients,
        "known": known,
        "rate": (len(accepted) if batch else len(latencies)) / elapsed,
        "requests": len(latencies),
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        if latencies
        else float("nan"),
        "accepted": accepted,
        "errors": errors,
        "client_cpu": sum(part["cpu"] for part in parts),
    }


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _measured(
    ports: list[int], pids: list[int], token: str, batch: int, clients: int, known: bool
) -> dict[str, Any]:
    """A load row, with the CPU per accepted report of the web processes (less sensitive than
    the rate to what else the machine is doing), of the client processes, and of everything
    else the machine did meanwhile (PostgreSQL above all, the kernel's network work)."""
    before, busy = _cpu_seconds(pids), _busy()
    row = _load(ports, token, batch, clients, known)
    done = max(1, len(row["accepted"]) if batch else row["requests"])  # /healthz: per request
    web = _cpu_seconds(pids) - before
    row["cpu_ms"] = web * 1000 / done
    row["client_ms"] = row["client_cpu"] * 1000 / done
    row["rest_ms"] = max(0.0, _busy()[0] - busy[0] - web - row["client_cpu"]) * 1000 / done
    return row


def _anchor(database_url: str, *, chained: bool, clients: int) -> float:
    """Rows/s of single-row transactions from ``clients`` connections: a bare INSERT, or the
    old chain append under one advisory lock."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_anchor")
        conn.execute(
            "CREATE TABLE bench_anchor (id bigserial PRIMARY KEY, seq bigint UNIQUE, "
            "at timestamptz NOT NULL DEFAULT now(), detail jsonb NOT NULL, hash char(64) NOT NULL)"
        )
    counts: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS / 2

    def run() -> None:
        done = 0
        with psycopg.connect(database_url) as conn:
            while time.monotonic() < deadline:
                with conn.transaction():
                    digest = hashlib.sha256(str(done).encode()).hexdigest()
                    if chained:
                        conn.execute("SELECT pg_advisory_xact_lock(4848)")
                        last = conn.execute(
                            "SELECT seq, hash FROM bench_anchor ORDER BY seq DESC LIMIT 1"
                        ).fetchone()
                        seq = (last[0] + 1) if last else 1
                        conn.execute(
                            "INSERT INTO bench_anchor (seq, detail, hash) VALUES (%s, %s, %s)",
                            [seq, json.dumps({"n": done}), digest],
                        )
                    else:
                        conn.execute(
                            "INSERT INTO bench_anchor (detail, hash) VALUES (%s, %s)",
                            [json.dumps({"n": done}), digest],
                        )
                done += 1
        with lock:
            counts.append(done)

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = sum(counts) / (time.perf_counter() - started)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_anchor")
    return rate


# The rows one company report writes, table by table, parents before children (a report, its
# URL and file items, their two links, the file's hash key, its report.file audit event, the
# two enrichment tasks).
_FLOOR_TABLES = (
    "cases_report",
    "cases_item",
    "cases_reportitem",
    "cases_filehash",
    "audit_auditevent",
    "django_tasks_database_dbtaskresult",
)


def _database_floor(database_url: str, reports: int) -> float:
    """Reports/s the database itself takes for these rows on one connection: every row the run
    wrote copied, server side, into empty tables with the same columns, indexes, constraints
    and foreign keys (checked at the commit, as Hotline's are), logged as Hotline's tables are,
    in one transaction. No Python, no network, no statement parsing per row: a ceiling for
    intake on this machine, and what one core of the database spends per report at best."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        copies = _copies(conn, "bench_floor")
        started = time.perf_counter()
        for table, copy in copies.items():
            conn.execute(f"INSERT INTO {copy} SELECT * FROM {table}")  # noqa: S608 - our names
        conn.commit()
        rate = reports / (time.perf_counter() - started)
        conn.execute("DROP SCHEMA bench_floor CASCADE")
        conn.commit()
        return rate


def _copies(conn: Any, schema: str) -> dict[str, str]:
    """Empty copies of ``_FLOOR_TABLES`` in ``schema`` (made anew), with the same columns,
    indexes, constraints and foreign keys (to the copy of a parent copied here, else to the
    original), committed; the real tables' rows (the audit log above all) are never touched."""
    copies = {table: f"{schema}.{table}" for table in _FLOOR_TABLES}
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {schema}")
    for table, copy in copies.items():
        conn.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
    # LIKE copies no foreign key: add the originals'.
    keys = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        [list(_FLOOR_TABLES)],
    ).fetchall()
    for table, name, definition in keys:
        for parent, copy in copies.items():
            definition = definition.replace(f"REFERENCES {parent}(", f"REFERENCES {copy}(")
        conn.execute(f'ALTER TABLE {copies[table]} ADD CONSTRAINT "{name}" {definition}')
    conn.commit()
    return copies


# A single company report's statements as Hotline sends them (values as literals, in the simple
# protocol: Django's client-side binding), for pgbench: the connection's health check, the
# credential, then one transaction: the external id, the report, the known items locked, the
# new items, the file's hash key, the links, the audit event, the enrichment tasks, COMMIT.
# ``_shape`` checks it against the statements the product ran in the same run, so the anchor
# cannot drift from the product unnoticed. :n is a new random number per transaction; the new
# items' INSERT is wrapped in a WITH only to take their two ids into pgbench variables.
_SINGLE_SCRIPT = """\\set n random(1, 900000000000000)
SELECT 1;
SELECT c."id", c."organisation_id", c."name", c."kind", c."scopes", c."key_id", c."secret_hash", c."created_at", c."last_used_at", c."revoked_at", c."expires_at", c."replaced_by_id", o."id", o."name", o."kind", o."country", o."is_own", o."created_at" FROM "accounts_apicredential" c JOIN "accounts_organisation" o ON o.id = c.organisation_id WHERE c.key_id = '@KEY@';
BEGIN;
SELECT external_id, reference FROM cases_report WHERE submitted_by_id = @ORG@ AND external_id = ANY(ARRAY['pgb-' || :n]);
INSERT INTO "cases_report" ("reference", "secret_hash", "channel", "concern", "status", "received_at", "language", "where_found", "description", "child_in_danger", "urgent_reason", "contact", "consent_to_contact", "external_id", "incident_type", "incident_time", "platform", "submitted_by_id", "reported_accounts", "annotations") VALUES ('HP-' || :n, '', 'company_api', 'csam', 'received', now(), '', '', '', false, '', '', false, 'pgb-' || :n, 'csam', NULL, '', @ORG@, '[]', '[]') RETURNING "id" AS report \\gset
SELECT i."id", i."kind", i."status", i."close_reason", i."priority", i."first_reported_at", i."last_reported_at", i."report_count", i."canonical_url", i."fetch_url", i."canonical_url_hash", i."host", i."registrable_domain", i."hosting_trace_id", i."hosting_country", i."md5", i."sha1", i."sha256", i."pdq", i."pdq_quality", i."file_name", i."file_size", i."media_type", i."urgent", i."enriched_at", i."known_match", i."claimed_by_id", i."claimed_until", i."closed_at" FROM cases_item i WHERE (kind = 'url' AND canonical_url_hash = ANY(ARRAY[md5('u' || :n) || md5('v' || :n)])) OR (kind = 'file' AND (md5 = ANY(ARRAY[md5('f' || :n)]))) ORDER BY i.id FOR UPDATE;
WITH new AS (INSERT INTO "cases_item" ("kind", "status", "close_reason", "priority", "first_reported_at", "last_reported_at", "report_count", "canonical_url", "fetch_url", "canonical_url_hash", "host", "registrable_domain", "hosting_country", "md5", "sha1", "sha256", "pdq", "pdq_quality", "file_name", "file_size", "media_type", "urgent", "enriched_at", "claimed_until", "closed_at", "hosting_trace_id", "known_match", "claimed_by_id") VALUES ('url', 'new', '', 105, now(), now(), 1, 'http://pgb' || :n || '.example.test/', 'http://pgb' || :n || '.example.test/', md5('u' || :n) || md5('v' || :n), 'pgb' || :n || '.example.test', 'example.test', '', '', '', '', '', NULL, '', NULL, '', false, NULL, NULL, NULL, NULL, '{}', NULL), ('file', 'new', '', 105, now(), now(), 1, '', '', '', '', '', '', md5('f' || :n), '', '', '', NULL, '', NULL, '', false, NULL, NULL, NULL, NULL, '{}', NULL) RETURNING "id", "kind") SELECT max(id) FILTER (WHERE kind = 'url') AS url, max(id) FILTER (WHERE kind = 'file') AS file FROM new \\gset
INSERT INTO "cases_filehash" ("key", "item_id") VALUES ('md5:' || md5('f' || :n), :file);
INSERT INTO "cases_reportitem" ("submitted_value", "report_id", "item_id") VALUES ('http://pgb' || :n || '.example.test/', :report, :url), (md5('f' || :n), :report, :file) RETURNING "id";
INSERT INTO "audit_auditevent" ("seq", "at", "actor", "organisation", "action", "object_type", "object_id", "hash", "detail") VALUES (NULL, now(), 'client:@KEY@', 'Bench ESP', 'report.file', 'cases.report', :report, md5('h' || :n) || md5('i' || :n), ('{"channel": "company_api", "items": [' || :url || ', ' || :file || ']}')::jsonb) RETURNING "id";
INSERT INTO "django_tasks_database_dbtaskresult" ("id", "status", "started_at", "finished_at", "priority", "task_path", "queue_name", "backend_name", "run_after", "exception_class_path", "traceback", "enqueued_at", "args_kwargs", "worker_ids", "return_value") VALUES (gen_random_uuid(), 'READY', NULL, NULL, 0, 'hotline.cases.tasks.enrich_item', 'enrichment', 'default', '9999-01-01 00:00:00+00:00'::timestamptz, '', '', now(), ('{"args": [], "kwargs": {"item_id": ' || :url || '}}')::jsonb, '[]', NULL), (gen_random_uuid(), 'READY', NULL, NULL, 0, 'hotline.cases.tasks.enrich_item', 'enrichment', 'default', '9999-01-01 00:00:00+00:00'::timestamptz, '', '', now(), ('{"args": [], "kwargs": {"item_id": ' || :file || '}}')::jsonb, '[]', NULL);
COMMIT;
"""


def _shape(statements: list[str]) -> list[tuple[str, str]]:
    """(verb, table) of each statement that reads or writes a table, in order."""
    shape = []
    for sql in statements:
        verb = re.match(r"\s*(?:WITH \w+ AS \(\s*)?(SELECT|INSERT|UPDATE|DELETE)\b", sql)
        table = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        if verb and table:
            shape.append((verb.group(1), table.group(1)))
    return shape


def _single_floor(
    database_url: str, organisation_id: str, product: list[str]
) -> tuple[float, float] | str:
    """Single reports/s the database itself takes from ``CLIENTS`` connections, each report one
    transaction of a single report's statements, sent by pgbench (a C client: next to nothing
    but the database is measured), and the share of the machine's CPUs busy meanwhile. A string
    when it could not be measured, or when the script's statements are not the product's."""
    key = re.search(r"key_id = '(\w+)'", " ".join(product))
    script = _SINGLE_SCRIPT.replace("@ORG@", str(int(organisation_id)))
    script = script.replace("@KEY@", key.group(1) if key else "none")
    ours, theirs = _shape(script.splitlines()), _shape(product)
    if ours != theirs:
        return f"NOT MEASURED: the pgbench script no longer runs the product's statements {theirs}"
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        return "not measured: no pgbench on PATH (Debian: postgresql-client)"
    import psycopg

    # The script's statements name the tables as the product does; a search path puts empty
    # copies of the written tables first, so the real ones (the audit log) get no row.
    with psycopg.connect(database_url) as conn:
        _copies(conn, "bench_single")
    env = {**os.environ, "PGOPTIONS": "-c search_path=bench_single,public"}
    with tempfile.NamedTemporaryFile("w", suffix=".pgbench") as file:
        file.write(script)
        file.flush()
        busy = _busy()
        clients = ["-c", str(CLIENTS), "-j", str(os.cpu_count() or 1)]
        seconds = ["-T", str(max(1, round(SECONDS / 2)))]
        done = subprocess.run(
            [pgbench, "-n", "-M", "simple", *clients, *seconds, "-f", file.name, database_url],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        now = _busy()
        cores = (now[0] - busy[0]) / max(1e-9, now[1] - busy[1]) * (os.cpu_count() or 1)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA bench_single CASCADE")
    rate = re.search(r"tps = ([0-9.]+)", done.stdout)
    failed = re.search(r"number of failed transactions: ([1-9][0-9]*)", done.stdout)
    if done.returncode or rate is None or failed:
        return f"NOT MEASURED: pgbench failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return float(rate.group(1)), cores


def _busy() -> tuple[float, float]:
    """The machine's busy and total CPU seconds so far, all CPUs together (``/proc/stat``)."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, *_ = map(float, stat.readline().split()[1:])
    ticks = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq
    return busy / ticks, (busy + idle + iowait) / ticks


def _missing(database_url: str, organisation_id: int, accepted: list[str]) -> tuple[int, int]:
    """How many accepted reports, and how many of their report.file events, are not stored."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id FROM cases_report WHERE submitted_by_id = %s AND external_id = ANY(%s)",
            [organisation_id, accepted],
        ).fetchall()
        ids = [str(r[0]) for r in rows]
        audited = conn.execute(
            "SELECT count(DISTINCT object_id) FROM audit_auditevent "
            "WHERE action = 'report.file' AND object_type = 'cases.report' AND object_id = ANY(%s)",
            [ids],
        ).fetchone()[0]
    return len(set(accepted)) - len(ids), len(ids) - int(audited)


def _miscounted(database_url: str) -> int:
    """Items whose report count is not their number of reports (a lost update)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM cases_item AS item LEFT JOIN (SELECT item_id, count(*) AS n "
                "FROM cases_reportitem GROUP BY item_id) AS linked ON linked.item_id = item.id "
                "WHERE item.report_count <> coalesce(linked.n, 0)"
            ).fetchone()[0]
        )


def _hotline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _rows(
    env: dict[str, str],
    token: str,
    loads: list[tuple[int, int, bool]],
    group_limit: str = "",
    web: int = WEB,
    threads: int = THREADS,
) -> list[dict[str, Any]]:
    """Start ``web`` web processes of ``threads`` threads, run each (batch size, clients, known)
    load on them, stop them. Before a load of known reports, the pool is filed."""
    if group_limit:
        env = {**env, "HOTLINE_INTAKE_GROUP_LIMIT": group_limit}
    ports = [_free_port() for _ in range(web)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "run",
                "--web-only",  # this process serves (no supervisor): its CPU is the web's
                "--bind",
                f"127.0.0.1:{port}",
                "--threads",
                str(threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        _load(ports, token, 1, 2)  # warm every process (imports, connections)
        pids = [server.pid for server in servers]
        rows = []
        for batch, clients, known in loads:
            if known:
                _file_pool(ports[0], token)
            rows.append(_measured(ports, pids, token, batch, clients, known))
        return rows
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def measure(database_url: str) -> int:
    env = _env(database_url)
    migrated = _hotline(env, "migrate", "-v0")
    if migrated.returncode:
        print(migrated.stderr)
        return 1
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    organisation_id, token = setup.stdout.strip().splitlines()[-2:]
    cpu_ms, wall_ms, statements = _cpu_per_report(env, token)
    single_floor = _single_floor(database_url, organisation_id, statements)
    anchor_insert = _anchor(database_url, chained=False, clients=CLIENTS)
    anchor_chain = _anchor(database_url, chained=True, clients=CLIENTS)

    # The anchor row first: the same servers with group commit off (every request alone).
    rows = _rows(env, token, [(1, CLIENTS, False)], group_limit="1")
    rows[0]["label"] = f"single reports, {CLIENTS} clients, each alone (anchor)"
    loads = [
        (1, CLIENTS, False),
        (BATCH, BATCH_CLIENTS, False),
        (LARGEST, LARGEST_CLIENTS, False),
        (BATCH, BATCH_CLIENTS, True),
        (0, CLIENTS, False),
    ]
    rows += _rows(env, token, loads)
    rows[-1]["label"] = f"anchor: GET /healthz (1 query), {CLIENTS} clients, requests/s"
    if MANY:
        rows += _rows(env, token, [(1, MANY, False)], web=MANY_WEB, threads=MANY_THREADS)
        rows[-1]["label"] = (
            f"single reports, {MANY} clients, {MANY_WEB} processes x {MANY_THREADS} threads"
        )

    accepted = [x for row in rows for x in row["accepted"]] + [f"cpu-{n}" for n in range(102)]
    accepted += [f"pool-{k}" for k in range(POOL)]  # filed before the row of known reports
    lost_reports, lost_events = _missing(database_url, int(organisation_id), accepted)
    miscounted = _miscounted(database_url)
    floor = _database_floor(database_url, len(accepted))
    started = time.perf_counter()
    placed = _hotline(env, "audit", "integrate")
    sequencer_seconds = time.perf_counter() - started
    verified = _hotline(env, "audit", "verify")

    load = os.getloadavg()
    print(
        f"conditions: PostgreSQL on loopback; {WEB} `hotline run` web processes (waitress, "
        f"{THREADS} threads each, --web-only; the row of {MANY} clients: {MANY_WEB} processes "
        f"of {MANY_THREADS} threads); clients in as many processes as web processes, over "
        f"keep-alive connections; {SECONDS:.0f} s per row; each report: 1 new URL + 1 file hash "
        f"(reported before: one of {POOL} URLs and files filed before the row), "
        "committed with its audit event before the reply; load average at the end "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs (other work included); "
        "CPU per report: the web processes', the client processes', and the rest of the "
        "machine's busy CPU meanwhile (PostgreSQL, the kernel's network work, anything else)"
    )
    print(
        f"{'what':<52} {'reports/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} "
        f"{'CPU ms/report: web':>19} {'clients':>8} {'rest':>6} errors"
    )
    for row in rows:
        what = row.get("label") or (
            f"single reports, {row['clients']} clients, grouped"
            if row["batch"] == 1
            else (
                f"batches of {row['batch']}, {row['clients']} clients"
                + (", all reported before" if row["known"] else "")
            )
        )
        print(
            f"{what:<52} {row['rate']:>10.1f} {row['p50']:>8.1f} {row['p99']:>8.1f} "
            f"{row['requests']:>9} {row['cpu_ms']:>19.2f} {row['client_ms']:>8.2f} "
            f"{row['rest_ms']:>6.2f} {row['errors'] or '-'}"
        )
    print(
        f"one request at a time, in process: {cpu_ms:.1f} ms web-side CPU and {wall_ms:.1f} ms "
        "wall per single report"
    )
    print(f"anchor: bare INSERT+COMMIT, {CLIENTS} connections       {anchor_insert:>10.1f} rows/s")
    print(
        f"anchor: old chained append (advisory lock), {CLIENTS} conn. {anchor_chain:>10.1f} rows/s"
    )
    if isinstance(single_floor, str):
        print(f"anchor: the database alone, single reports: {single_floor}")
    else:
        print(
            f"anchor: the database alone, single reports (pgbench, {CLIENTS} conn.)"
            f" {single_floor[0]:>7.1f} reports/s, {single_floor[1]:.1f} of {os.cpu_count()} CPUs busy"
        )
    print(
        f"anchor: the database alone, these rows copied server side, 1 conn. {floor:>8.1f} reports/s"
    )
    print(
        f"sequencer: {placed.stdout.strip()} in {sequencer_seconds:.1f} s "
        f"(process start included); audit verify: {(verified.stdout or verified.stderr).strip()}"
    )
    print(
        f"check: {len(accepted)} reports accepted, {lost_reports} missing, "
        f"{lost_events} without their audit event; {miscounted} items whose report count "
        "is not their number of reports"
    )
    ok = (
        not (isinstance(single_floor, str) and single_floor.startswith("NOT MEASURED"))
        and lost_reports == 0
        and lost_events == 0
        and miscounted == 0
        and verified.returncode == 0
        and accepted
    )
    if not ok:
        print(
            "FAILED: an accepted report or its audit event is missing, an item's count is "
            "wrong, the tree does not verify, or the single-report anchor is not the product's"
        )
        return 1
    return 0


def _postgres_url() -> str | None:
    url = os.environ.get(
        "HOTLINE_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hotline_bench"
    )
    try:
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            db = url.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
        return url
    except Exception as exc:
        print(f"(PostgreSQL not measured: {exc})")
        return None


def main(argv: list[str]) -> None:
    url = _postgres_url()
    if url is None:
        raise SystemExit(1)
    code = measure(url)
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
