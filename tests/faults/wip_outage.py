"""WORK IN PROGRESS (not collected: the file name does not start with test_): in its first run
`hotline run` did not report a live worker on /readyz within 60 s; not yet diagnosed.

The fault test: a real Hotline (``hotline run``: web, worker, scheduler) on its own PostgreSQL
cluster, under intake load, while its worker is SIGKILLed, PostgreSQL restarts and the web
process is SIGKILLed. Nothing accepted is lost, nothing needs a manual restart, every outgoing
message is delivered (exactly once after the receivers' de-duplication), the audit chain holds.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import IN_CI, skip_unless_ci
from tests.instances import free_port
from tests.processes import wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOAD_SECONDS = 60
CLIENTS = 4


@dataclass
class Cluster:
    """A throw-away PostgreSQL cluster, run as the ``postgres`` user, on its own port."""

    directory: Path
    bindir: Path
    port: int = field(default_factory=free_port)

    def _as_postgres(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*command, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.directory.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            shutil.chown(self.directory.parent, "postgres")
        self._as_postgres(
            str(self.bindir / "initdb"),
            "-D",
            str(self.directory / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )

    def start(self) -> None:
        self._as_postgres(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-w",
            "-l",
            str(self.directory / "server.log"),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-w",
            "-m",
            "fast",
            "stop",
        )

    def url(self, database: str = "hotline") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as session:
            return session.execute(sql).fetchall()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (os.environ.get("HOTLINE_TEST_DATABASE_URL") or IN_CI):
        pytest.skip("the fault test runs with HOTLINE_TEST_DATABASE_URL set, and in CI")
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries or (os.geteuid() == 0 and shutil.which("runuser") is None):
        skip_unless_ci("needs PostgreSQL's initdb and pg_ctl (Debian package postgresql)")
    parent = Path(tempfile.mkdtemp(prefix="hotline-faults-"))
    os.chmod(parent, 0o755)  # noqa: S103 - the postgres user must enter it; nothing secret
    instance = Cluster(parent / "pg", Path(binaries[-1]).parent)
    instance.init()
    instance.start()
    try:
        with psycopg.connect(instance.url("postgres"), autocommit=True) as session:
            session.execute("CREATE DATABASE hotline")
        yield instance
    finally:
        try:
            instance.stop()
        finally:
            shutil.rmtree(parent, ignore_errors=True)


class Receivers:
    """A real SMTP server and a real HTTP receiver that count every delivery by message id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[str] = []
        self.posts: list[str] = []
        receivers = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                for line in envelope.content.decode("utf-8", "replace").splitlines():
                    if line.lower().startswith("message-id:"):
                        with receivers.lock:
                            receivers.mails.append(line.split(":", 1)[1].strip())
                return "250 OK"

        class Http(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receivers.lock:
                    receivers.posts.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Http)

    def __enter__(self) -> Receivers:
        self.smtp.start()
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.smtp.stop()


# Runs inside the instance (``hotline shell -c``): queues one e-mail and one HTTP message per
# round through the outbox action, in one transaction, and prints their ids once committed.
MESSAGE_LOADER = """
import sys, time
from django.db import transaction
from hotline.core.outage import DATABASE_ERRORS, close_broken_connections
from hotline.outbox.actions import enqueue
end = time.monotonic() + {seconds}
while time.monotonic() < end:
    try:
        with transaction.atomic():
            mail = enqueue("email", "abuse@example.test", {{"subject": "fault test", "body": "x"}})
            post = enqueue("http", "{http_url}", {{"body": {{"n": 1}}}})
    except DATABASE_ERRORS:
        close_broken_connections()
        time.sleep(0.5)
        continue
    print("queued", mail.id, post.id, flush=True)
    time.sleep(0.3)
"""


def _hotline(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _children(pid: int) -> dict[str, int]:
    """The supervisor's children by role, read from /proc."""
    found: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            role = "web" if b"--web-only" in argv else argv[3].decode() if len(argv) > 3 else "?"
            found[role] = int(child)
    return found


def test_nothing_accepted_is_lost_through_kills_and_a_database_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Receivers() as receivers:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "HOTLINE_DATABASE_URL": cluster.url(),
                "HOTLINE_VAR_DIR": str(tmp_path),
                "HOTLINE_BASE_URL": base,
                "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_EMAIL_HOST": "127.0.0.1",
                "HOTLINE_EMAIL_PORT": str(receivers.smtp.port),
                "HOTLINE_WORKER_LEASE_SECONDS": "6",
                "HOTLINE_OUTBOX_LEASE_SECONDS": "10",
                "HOTLINE_OUTBOX_BACKOFF_SECONDS": "1",
                "HOTLINE_INTAKE_REPORTS_PER_HOUR": "100000",
                "HOTLINE_HOSTING_STATIC_TABLES": "demo",
            }
        )
        _hotline(env, "migrate", "-v0")
        token = (
            _hotline(
                env,
                "shell",
                "-c",
                "from hotline.accounts import actions as a; from hotline.accounts.models import *; "
                "o = a.create_organisation(name='ESP', kind=OrganisationKind.INDUSTRY, country='FR', acting_user=None); "
                "print(a.issue_credential(organisation=o, name='intake', kind=ClientKind.COMPANY_INTAKE, scopes=[Scope.INTAKE], acting_user=None).token)",
            )
            .strip()
            .splitlines()[-1]
        )
        log = (tmp_path / "run.log").open("wb")
        run = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "run", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        loader = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "shell",
                "-c",
                MESSAGE_LOADER.format(
                    seconds=LOAD_SECONDS,
                    http_url=f"http://127.0.0.1:{receivers.http.server_port}/inbox",
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        accepted: list[str] = []
        answers: dict[int, int] = {}
        retry_after: set[str] = set()
        lock = threading.Lock()
        stop_load = threading.Event()

        def client(number: int) -> None:
            n = 0
            while not stop_load.is_set():
                n += 1
                external_id = f"fault-{number}-{n}"
                body = json.dumps(
                    {
                        "reports": [
                            {
                                "external_id": external_id,
                                "incident_type": "csam",
                                "incident_time": "2026-11-27T08:30:00Z",
                                "platform": "Synthetic Chat",
                                "urls": [f"https://cdn.example.test/{number}/{n}.jpg"],
                            }
                        ]
                    }
                ).encode()
                # Retried with the same Idempotency-Key until answered: a 503 stored nothing.
                while not stop_load.is_set():
                    request = urllib.request.Request(
                        f"{base}/api/v1/reports",
                        data=body,
                        method="POST",
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                            "Idempotency-Key": external_id,
                        },
                    )
                    try:
                        with urllib.request.urlopen(request, timeout=10) as response:
                            status = response.status
                            reference = json.load(response)["reports"][0]["reference"]
                    except urllib.error.HTTPError as exc:
                        status = exc.code
                        with lock:
                            answers[status] = answers.get(status, 0) + 1
                        if status == 503:
                            with lock:
                                retry_after.add(exc.headers.get("Retry-After", ""))
                            time.sleep(0.5)
                            continue
                        raise
                    except (urllib.error.URLError, OSError):
                        time.sleep(0.5)  # the web process is being restarted
                        continue
                    with lock:
                        answers[status] = answers.get(status, 0) + 1
                        accepted.append(reference)
                    break

        try:
            wait_for(lambda: _ready(base), timeout=60, what="hotline run to become ready")
            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            started = time.monotonic()
            time.sleep(8)
            worker_pid = _children(run.pid)["worker"]
            os.kill(worker_pid, signal.SIGKILL)
            time.sleep(8)
            cluster.stop()
            time.sleep(5)
            cluster.start()
            time.sleep(8)
            web_pid = _children(run.pid)["web"]
            os.kill(web_pid, signal.SIGKILL)
            time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
            stop_load.set()
            for thread in threads:
                thread.join(timeout=30)
            queued_out, _ = loader.communicate(timeout=60)
            queued = [
                line.split()[1:] for line in queued_out.splitlines() if line.startswith("queued ")
            ]
            mail_ids = {f"<{m}@" for m, _ in queued}
            post_ids = {p for _, p in queued}

            def drained() -> bool:
                pending = cluster.query(
                    "SELECT (SELECT count(*) FROM outbox_outboxmessage WHERE status = 'pending'),"
                    " (SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING'))"
                )[0]
                return pending == (0, 0)

            wait_for(drained, timeout=90, what="the backlog to drain")
            stored = {row[0] for row in cluster.query("SELECT reference FROM cases_report")}
            children = _children(run.pid)
            live = cluster.query(
                "SELECT pid FROM core_workerheartbeat WHERE last_seen > now() - interval '6 seconds'"
            )
            with receivers.lock:
                mails, posts = list(receivers.mails), list(receivers.posts)
            delivered_mails = {m for m in mails if any(m.startswith(i) for i in mail_ids)}
            print(
                f"\nfault test: {len(accepted)} reports accepted ({answers}), {len(stored)} stored; "
                f"{len(queued)} rounds of messages queued; e-mail {len(mails)} received, "
                f"{len(set(mails))} distinct; HTTP {len(posts)} received, {len(set(posts))} distinct"
            )
            assert set(accepted) <= stored
            assert retry_after <= {"30"}  # every 503 said when to retry
            assert len(accepted) > 0
            assert answers.get(503, 0) + answers.get(201, 0) >= len(accepted)
            assert len(delivered_mails) == len(mail_ids)
            assert post_ids <= set(posts)
            assert children["worker"] != worker_pid
            assert children["web"] != web_pid
            assert [pid for (pid,) in live] == [children["worker"]]
            assert "audit chain intact" in _hotline(env, "audit", "verify")
        finally:
            stop_load.set()
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.kill()
            if loader.poll() is None:
                loader.kill()
            log.close()
        assert run.returncode == 0, (tmp_path / "run.log").read_text()


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
            return bool(json.load(response)["live_workers"] >= 1)
    except (urllib.error.URLError, OSError, ValueError):
        return False
