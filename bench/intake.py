"""Sustained company-API intake: reports/s and latency on SQLite and PostgreSQL.

Starts a real ``hotline run`` web server (waitress, no worker) on loopback for each
database, then N client threads post batches through keep-alive connections.
PostgreSQL is measured when reachable (``HOTLINE_BENCH_DATABASE_URL``, default
the local server's ``hotline_bench`` database, created and dropped here).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "15"))
BATCH_SIZES = (1, 50)


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
            "HOTLINE_VAR_DIR": str(ROOT / "var"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


SETUP = """
import django; django.setup()
from hotline.accounts import actions
from hotline.accounts.models import Organisation
org = actions.create_organisation(name="Bench ESP", kind="industry", country="US", acting_user=None)
print(actions.issue_credential(organisation=org, name="bench", kind="company_intake", scopes=["intake"], acting_user=None).token)
"""


def _post(conn: http.client.HTTPConnection, token: str, batch: int, prefix: str, n: int) -> float:
    body = json.dumps(
        {
            "reports": [
                {
                    "external_id": f"{prefix}-{n}-{i}",
                    "incident_type": "csam",
                    "urls": [f"http://h{n % 997}.example.test/{prefix}/{n}/{i}"],
                    "files": [{"md5": uuid.uuid4().hex}],
                }
                for i in range(batch)
            ]
        }
    )
    started = time.perf_counter()
    conn.request(
        "POST",
        "/api/v1/reports",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        raise RuntimeError(f"unexpected HTTP {response.status}")
    return time.perf_counter() - started


def _load(port: int, token: str, batch: int) -> tuple[int, list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS
    prefix = uuid.uuid4().hex[:8]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        mine = []
        while time.monotonic() < deadline:
            mine.append(_post(conn, token, batch, f"{prefix}{k}", n))
            n += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies) * batch, latencies, elapsed


def measure(name: str, database_url: str) -> list[tuple[str, int, float, float, float]]:
    env = _env(database_url)
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "migrate", "-v0"], env=env, check=True, cwd=ROOT
    )
    token = (
        subprocess.run(
            [sys.executable, "-c", SETUP],
            env={**env, "DJANGO_SETTINGS_MODULE": "hotline.settings"},
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotline.cli",
            "run",
            "--no-worker",
            "--no-scheduler",
            "--bind",
            f"127.0.0.1:{port}",
            "--threads",
            str(CLIENTS),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        rows = []
        for batch in BATCH_SIZES:
            count, latencies, elapsed = _load(port, token, batch)
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            rows.append(
                (name, batch, count / elapsed, statistics.median(latencies) * 1000, p99 * 1000)
            )
        return rows
    finally:
        server.terminate()
        server.wait(timeout=20)


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
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += measure("SQLite (WAL)", f"sqlite:///{tmp}/bench.sqlite3")
    pg = _postgres_url()
    if pg:
        rows += measure("PostgreSQL", pg)
    print(
        f"conditions: {CLIENTS} client threads on loopback, {SECONDS:.0f} s per row, one `hotline run` "
        f"web process (waitress, {CLIENTS} threads), enrichment tasks queued but no worker running; "
        "each report: 1 new URL + 1 file hash; every report committed before the reply"
    )
    print(f"{'database':<14} {'batch':>5} {'reports/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
    for name, batch, rate, p50, p99 in rows:
        print(f"{name:<14} {batch:>5} {rate:>10.1f} {p50:>9.1f} {p99:>9.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
