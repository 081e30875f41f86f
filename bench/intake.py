"""Company-API intake on PostgreSQL with several web processes: reports/s, latency, nothing lost.

Starts ``BENCH_INTAKE_WEB`` real ``hotline run`` web processes (waitress, no worker, no
scheduler) on loopback ports, and client processes that post through keep-alive connections,
spread over the web processes as a load balancer would: first single reports, then batches.
Every accepted report is then looked up: the run fails (exit 1) if any accepted report or its
``report.file`` audit event is missing, if an item's report count is not its number of
reports (a lost update among batches reporting the same items), or if the audit tree does
not verify once the sequencer has placed the run's events (its rate is printed too).

The anchors, measured in the same run on the same database with as many client connections:
a bare single-row INSERT + COMMIT (the database's commit rate here), and the old audit append
(advisory lock, read the chain's end, INSERT, COMMIT) that serialised every writer.
PostgreSQL: ``HOTLINE_BENCH_DATABASE_URL`` (default the local server's ``hotline_bench``
database, created and dropped here).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB = int(os.environ.get("BENCH_INTAKE_WEB", "3"))
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "4"))
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
"""


def _cpu_per_report(env: dict[str, str], token: str) -> tuple[float, float]:
    """The web side's own CPU and the wall time per single report, one request at a time in
    one process (Django's test client: no HTTP server, no concurrency)."""
    probe = subprocess.run(
        [sys.executable, "-c", CPU_PROBE.format(token=token)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, wall = probe.stdout.split()
    return float(cpu), float(wall)


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
    """A load row, with the web processes' CPU per accepted report (less sensitive than the
    rate to what else the machine is doing)."""
    before = _cpu_seconds(pids)
    row = _load(ports, token, batch, clients, known)
    done = len(row["accepted"]) if batch else row["requests"]  # /healthz: per request
    row["cpu_ms"] = (_cpu_seconds(pids) - before) * 1000 / max(1, done)
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


# The rows one company report writes, table by table (a report, its URL and file items, their
# two links, its report.file audit event, the two enrichment tasks).
_FLOOR_TABLES = (
    "cases_report",
    "cases_item",
    "cases_reportitem",
    "audit_auditevent",
    "django_tasks_database_dbtaskresult",
)


def _database_floor(database_url: str, reports: int) -> float:
    """Reports/s the database itself takes for these rows: every row the run wrote copied,
    server side, into empty tables with the same columns, indexes and constraints, in one
    transaction (no Python, no network, no parsing: a ceiling for intake on this machine)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        for table in _FLOOR_TABLES:
            conn.execute(f"CREATE TEMP TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        for table in _FLOOR_TABLES:
            conn.execute(f"INSERT INTO floor_{table} SELECT * FROM {table}")  # noqa: S608 - our names
        conn.commit()
        return reports / (time.perf_counter() - started)


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
    env: dict[str, str], token: str, loads: list[tuple[int, int, bool]], group_limit: str = ""
) -> list[dict[str, Any]]:
    """Start ``WEB`` web processes, run each (batch size, clients, known) load on them, stop
    them. Before a load of known reports, the pool is filed."""
    if group_limit:
        env = {**env, "HOTLINE_INTAKE_GROUP_LIMIT": group_limit}
    ports = [_free_port() for _ in range(WEB)]
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
                str(THREADS),
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
    cpu_ms, wall_ms = _cpu_per_report(env, token)
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

    accepted = [x for row in rows for x in row["accepted"]] + [f"cpu-{n}" for n in range(101)]
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
        f"{THREADS} threads each, --web-only); clients in {WEB} processes over "
        f"keep-alive connections; {SECONDS:.0f} s per row; each report: 1 new URL + 1 file hash "
        f"(reported before: one of {POOL} URLs and files filed before the row), "
        "committed with its audit event before the reply; load average at the end "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs (other work included)"
    )
    print(
        f"{'what':<52} {'reports/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} "
        f"{'web CPU ms/report':>18} errors"
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
            f"{row['requests']:>9} {row['cpu_ms']:>18.2f} {row['errors'] or '-'}"
        )
    print(
        f"one request at a time, in process: {cpu_ms:.1f} ms web-side CPU and {wall_ms:.1f} ms "
        "wall per single report"
    )
    print(f"anchor: bare INSERT+COMMIT, {CLIENTS} connections       {anchor_insert:>10.1f} rows/s")
    print(
        f"anchor: old chained append (advisory lock), {CLIENTS} conn. {anchor_chain:>10.1f} rows/s"
    )
    print(f"anchor: the database alone, these rows copied server side  {floor:>10.1f} reports/s")
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
        lost_reports == 0
        and lost_events == 0
        and miscounted == 0
        and verified.returncode == 0
        and accepted
    )
    if not ok:
        print(
            "FAILED: an accepted report or its audit event is missing, an item's count is "
            "wrong, or the tree does not verify"
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
