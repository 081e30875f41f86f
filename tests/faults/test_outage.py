"""The fault test: a real Hotline (``hotline run``: web, worker, scheduler) on its own PostgreSQL
cluster, under intake load (company API and the public form) while its worker is SIGKILLed,
PostgreSQL restarts and the web process is SIGKILLed.

After it: every report that got a success reply is stored; the processes that were running when
the database went away are the same processes afterwards (they reconnected by themselves), the
killed ones were restarted by the supervisor, and the backlog drains; every outbox message queued
during the load is delivered to a real SMTP server and a real HTTP receiver, each at least once
and never more often than it was attempted (receivers de-duplicate by Message-ID /
Idempotency-Key); ``hotline audit verify`` passes. The counts are printed.

It starts its own cluster (``initdb`` + ``pg_ctl`` into a temporary directory, as the
``postgres`` user when we are root), so the shared server is untouched and the test does not
depend on the suite's database: it runs once, in the SQLite pass (``HOTLINE_DATABASE_URL``
unset), and skips itself in the PostgreSQL pass rather than repeat three minutes of load.
"""

from __future__ import annotations

import glob
import http.client
import http.cookiejar
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import skip_unless_ci
from tests.instances import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOAD_SECONDS = 60
API_CLIENTS = 3
FORM_CLIENTS = 2
# Each client pauses this long after a success: a bounded load that one worker can drain soon
# after it ends (the test is about surviving faults, not throughput).
THINK_SECONDS = 0.25
# Process start-up on a loaded 2-core CI machine takes 15-30 s per Django process (measured:
# `hotline check` 15 s wall for 2.6 s CPU at load 8), and `hotline run` starts three at once.
READY_TIMEOUT = 150.0
# Errors a client sees while the web process is being killed and restarted: nothing to count.
CONNECTION_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)
REFERENCE = re.compile(r'id="receipt-reference">([^<]+)<')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as session:
            return session.execute(sql, params).fetchall()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if os.environ.get("HOTLINE_DATABASE_URL"):
        pytest.skip("runs once, in the SQLite pass: it starts its own PostgreSQL cluster")
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries or (os.geteuid() == 0 and shutil.which("runuser") is None):
        skip_unless_ci("needs PostgreSQL's initdb and pg_ctl (Debian package postgresql)")
    parent = Path(tempfile.mkdtemp(prefix="hotline-faults-"))
    os.chmod(parent, 0o755)  # noqa: S103 - the postgres user must enter it; nothing secret
    instance = Cluster(parent / "pg", Path(binaries[-1]).parent)
    try:
        instance.init()
        instance.start()
        with psycopg.connect(instance.url("postgres"), autocommit=True) as session:
            session.execute("CREATE DATABASE hotline")
        yield instance
    finally:
        try:
            instance.stop()
        except subprocess.CalledProcessError:
            pass  # not running (a failed start): nothing to stop
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
        # aiosmtpd logs every SMTP command at INFO: hundreds of lines in a failure report.
        self._smtp_log_level = logging.getLogger("mail.log").level
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.smtp.start()
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.smtp.stop()
        logging.getLogger("mail.log").setLevel(self._smtp_log_level)

    def email_ids(self) -> list[str]:
        """The outbox ids of the e-mails received (Message-ID is ``<outbox id@domain>``)."""
        with self.lock:
            return [m.strip("<>").partition("@")[0] for m in self.mails]

    def http_ids(self) -> list[str]:
        with self.lock:
            return list(self.posts)


# Runs inside the instance (``hotline shell -c``): creates the schema and the company's intake
# credential in one process start (each start costs 15 s or more on a loaded machine).
SETUP = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from hotline.accounts import actions as a
from hotline.accounts.models import ClientKind, OrganisationKind, Scope
o = a.create_organisation(name="ESP", kind=OrganisationKind.INDUSTRY, country="FR", acting_user=None)
c = a.issue_credential(
    organisation=o, name="intake", kind=ClientKind.COMPANY_INTAKE, scopes=[Scope.INTAKE],
    acting_user=None,
)
print("token", c.token)
"""

# Runs inside the instance: queues one e-mail and one HTTP message per round through the
# outbox action, in one transaction, while the faults happen, until the stop file appears (or
# five minutes pass, should the test die). What it queued is read back from the database
# afterwards (a commit cut by the restart may or may not have happened).
MESSAGE_LOADER = """
import os, time
from django.db import transaction
from hotline.core.outage import DATABASE_ERRORS, close_broken_connections
from hotline.outbox.actions import enqueue
end = time.monotonic() + 300
rounds = 0
while time.monotonic() < end and not os.path.exists({stop_file!r}):
    try:
        with transaction.atomic():
            enqueue("email", "abuse@example.test", {{"subject": "fault test", "body": "x"}})
            enqueue("http", "{http_url}", {{"body": {{"n": rounds}}}})
    except DATABASE_ERRORS:
        close_broken_connections()
        time.sleep(0.5)
        continue
    rounds += 1
    time.sleep(0.3)
print("rounds", rounds, flush=True)
"""


def _hotline(env: dict[str, str], *args: str, timeout: float = 180) -> str:
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
    """The supervisor's children by role (web, worker, scheduler), read from /proc."""
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


def _wait(predicate: Callable[[], Any], *, timeout: float, what: str, log: Path) -> Any:
    """Poll ``predicate`` (bounded); on timeout fail with what ``hotline run`` logged."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(
        f"timed out after {timeout:.0f} s waiting for {what}; hotline run said:\n"
        + log.read_text(errors="replace")[-6000:]
    )


def _readiness(base: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
            answer: dict[str, Any] = json.load(response)
            return answer
    except urllib.error.HTTPError as exc:  # 503 while not ready: still a readiness document
        try:
            answer = json.load(exc)
            return answer
        except ValueError:
            return {}
    except (*CONNECTION_ERRORS, ValueError):
        return {}


class Load:
    """Client threads filing reports until stopped, retrying a 503 (nothing was stored) and a
    dropped connection; only a success reply counts as accepted."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.accepted: list[str] = []
        self.answers: Counter[str] = Counter()
        self.retry_after: set[str] = set()
        self.failures: list[str] = []
        self.threads = [
            threading.Thread(target=self._guard, args=(self._api_client, n), daemon=True)
            for n in range(API_CLIENTS)
        ] + [
            threading.Thread(target=self._guard, args=(self._form_client, n), daemon=True)
            for n in range(FORM_CLIENTS)
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _guard(self, client: Callable[[int], None], number: int) -> None:
        try:
            client(number)
        except Exception as exc:  # reported by the test, not lost in a thread
            with self.lock:
                self.failures.append(f"{client.__name__} {number}: {exc!r}")

    def _count(self, what: str, *, reference: str = "", retry_after: str | None = None) -> None:
        with self.lock:
            self.answers[what] += 1
            if reference:
                self.accepted.append(reference)
            if retry_after is not None:
                self.retry_after.add(retry_after)

    def _api_client(self, number: int) -> None:
        n = 0
        while not self.stop.is_set():
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
            # Sent again with the same Idempotency-Key until answered: after a reply lost with
            # the web process, the stored answer is replayed rather than a second report filed.
            while not self.stop.is_set():
                request = urllib.request.Request(
                    f"{self.base}/api/v1/reports",
                    data=body,
                    method="POST",
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": external_id,
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=15) as response:
                        status = response.status
                        reference = json.load(response)["reports"][0]["reference"]
                except urllib.error.HTTPError as exc:
                    if exc.code != 503:
                        raise AssertionError(
                            f"API answered {exc.code}: {exc.read()[:500]!r}"
                        ) from None
                    self._count("api 503", retry_after=exc.headers.get("Retry-After", ""))
                    time.sleep(0.5)
                    continue
                except CONNECTION_ERRORS:
                    time.sleep(0.5)
                    continue
                self._count(f"api {status}", reference=reference)
                break
            self.stop.wait(THINK_SECONDS)

    def _form_client(self, number: int) -> None:
        url = f"{self.base}/report/online/"
        n = 0
        while not self.stop.is_set():
            n += 1
            # A person with no JavaScript: fetch the form (CSRF cookie and field), then post it.
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            try:
                with opener.open(url, timeout=15) as response:
                    token = CSRF_FIELD.search(response.read().decode())
                assert token is not None, "the report form has no CSRF field"
                form = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": token.group(1),
                        "urls": f"https://forum.example.test/form/{number}/{n}",
                        "concern": "csam",
                        "where_found": "a link in a chat",
                        "description": "Synthetic report from the fault test.",
                    }
                ).encode()
                with opener.open(url, data=form, timeout=15) as response:
                    page = response.read().decode()
            except urllib.error.HTTPError as exc:
                if exc.code != 503:
                    raise AssertionError(
                        f"form answered {exc.code}: {exc.read()[:500]!r}"
                    ) from None
                self._count("form 503", retry_after=exc.headers.get("Retry-After", ""))
                time.sleep(0.5)
                continue
            except CONNECTION_ERRORS:
                time.sleep(0.5)
                continue
            found = REFERENCE.search(page)
            assert found is not None, f"no receipt in the reply: {page[:1000]}"
            self._count("form 200", reference=found.group(1))
            self.stop.wait(THINK_SECONDS)


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
                "DJANGO_SETTINGS_MODULE": "hotline.settings",
                "HOTLINE_DATABASE_URL": cluster.url(),
                "HOTLINE_VAR_DIR": str(tmp_path),
                "HOTLINE_BASE_URL": base,
                "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_EMAIL_HOST": "127.0.0.1",
                "HOTLINE_EMAIL_PORT": str(receivers.smtp.port),
                # Short leases so that a killed worker's claims come back within the test.
                "HOTLINE_WORKER_LEASE_SECONDS": "6",
                "HOTLINE_OUTBOX_LEASE_SECONDS": "10",
                "HOTLINE_OUTBOX_BACKOFF_SECONDS": "1",
                "HOTLINE_INTAKE_REPORTS_PER_HOUR": "100000",
                # Fixed hosting tables: enrichment never leaves the machine.
                "HOTLINE_HOSTING_STATIC_TABLES": "demo",
            }
        )
        token = _hotline(env, "shell", "-c", SETUP).split("token ", 1)[1].split()[0]
        log_path = tmp_path / "run.log"
        log = log_path.open("wb")
        run = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "run", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        run_started = time.monotonic()
        # Started beside ``hotline run`` rather than after it: one process start less to wait for.
        stop_file = tmp_path / "stop-loading"
        loader = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "shell",
                "-c",
                MESSAGE_LOADER.format(
                    stop_file=str(stop_file),
                    http_url=f"http://127.0.0.1:{receivers.http.server_port}/inbox",
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait(
                lambda: _readiness(base).get("live_workers", 0) >= 1,
                timeout=READY_TIMEOUT,
                what="hotline run to report a live worker on /readyz",
                log=log_path,
            )
            ready_after = time.monotonic() - run_started
            with Load(base, token) as load:
                started = time.monotonic()
                time.sleep(8)
                killed_worker = _children(run.pid)["worker"]
                os.kill(killed_worker, signal.SIGKILL)
                # The supervisor starts a new worker; wait until it beats before the next fault.
                _wait(
                    lambda: cluster.query(
                        "SELECT count(*) FROM core_workerheartbeat"
                        " WHERE pid <> %s AND last_seen > now() - interval '6 seconds'",
                        (killed_worker,),
                    )[0][0],
                    timeout=READY_TIMEOUT,
                    what="the restarted worker's heartbeat",
                    log=log_path,
                )
                before_restart = _children(run.pid)
                cluster.stop()
                time.sleep(5)
                cluster.start()
                time.sleep(8)
                after_restart = _children(run.pid)
                killed_web = after_restart["web"]
                os.kill(killed_web, signal.SIGKILL)
                time.sleep(max(5.0, LOAD_SECONDS - (time.monotonic() - started)))
                stop_file.touch()
            load_seconds = time.monotonic() - started
            loader_out, _ = loader.communicate(timeout=60)
            assert loader.returncode == 0, loader_out
            rounds = next(line for line in loader_out.splitlines() if line.startswith("rounds "))
            drain_started = time.monotonic()

            def drained() -> bool:
                pending = cluster.query(
                    "SELECT (SELECT count(*) FROM outbox_outboxmessage WHERE status = 'pending'),"
                    " (SELECT count(*) FROM django_tasks_database_dbtaskresult"
                    "  WHERE status IN ('READY', 'RUNNING'))"
                )[0]
                return pending == (0, 0)

            _wait(drained, timeout=120, what="the backlog to drain", log=log_path)
            drained_after = time.monotonic() - drain_started

            stored = {row[0] for row in cluster.query("SELECT reference FROM cases_report")}
            messages = cluster.query(
                "SELECT id::text, channel, status, attempts FROM outbox_outboxmessage"
            )
            tasks = dict(
                cluster.query(
                    "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
                )
            )
            children = _children(run.pid)
            live = [
                pid
                for (pid,) in cluster.query(
                    "SELECT pid FROM core_workerheartbeat WHERE last_seen > now() - interval '6 seconds'"
                )
            ]
            audit = _hotline(env, "audit", "verify")
            received = {
                "email": Counter(receivers.email_ids()),
                "http": Counter(receivers.http_ids()),
            }
            queued: dict[str, set[str]] = {"email": set(), "http": set()}
            attempts: dict[str, int] = {}
            statuses: Counter[str] = Counter()
            for message_id, channel, status, tries in messages:
                queued[channel].add(message_id)
                attempts[message_id] = tries
                statuses[status] += 1
            duplicates = {
                channel: sum(count - 1 for count in received[channel].values())
                for channel in received
            }
            print(
                f"\nfault test: ready {ready_after:.0f} s after start; {load_seconds:.0f} s of load; "
                f"drained {drained_after:.0f} s later; answers {dict(load.answers)}; "
                f"{len(load.accepted)} reports accepted, {len(stored)} stored "
                f"({len(set(load.accepted) - stored)} accepted but missing); "
                f"background tasks {tasks}; outbox {dict(statuses)} "
                f"({rounds}); e-mail: {len(queued['email'])} queued, "
                f"{received['email'].total()} received, {len(received['email'])} distinct, "
                f"{duplicates['email']} duplicates; HTTP: {len(queued['http'])} queued, "
                f"{received['http'].total()} received, {len(received['http'])} distinct, "
                f"{duplicates['http']} duplicates; processes before/after the database restart "
                f"{before_restart} / {after_restart}, at the end {children}; {audit.strip()}"
            )
            assert load.failures == []
            assert len(load.accepted) > 0
            assert load.answers["form 200"] > 0, load.answers
            assert load.answers["api 201"] > 0, load.answers
            # Nothing accepted is lost.
            assert set(load.accepted) <= stored
            # Every 503 said when to retry.
            assert load.retry_after <= {"30"}
            # No restart needed: the processes that saw the database go away are the ones that
            # were there before; the killed worker and web were replaced by the supervisor.
            assert before_restart == after_restart
            assert before_restart["worker"] != killed_worker
            assert children["worker"] == before_restart["worker"]
            assert children["scheduler"] == before_restart["scheduler"]
            assert children["web"] != killed_web
            assert live == [children["worker"]]
            # The backlog drained: every task finished, no message left or parked.
            assert set(tasks) <= {"SUCCESSFUL"}, tasks
            assert set(statuses) == {"delivered"}, statuses
            # Delivered to the real receivers: each message at least once (exactly once after
            # de-duplication by its id) and never more often than it was attempted.
            for channel in ("email", "http"):
                assert len(queued[channel]) > 0
                assert set(received[channel]) == queued[channel], channel
                too_often = {
                    key: count for key, count in received[channel].items() if count > attempts[key]
                }
                assert too_often == {}, channel
            assert "audit chain intact" in audit
        finally:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
            stop_file.touch()
            if loader.poll() is None:
                loader.kill()
                loader.wait()
            log.close()
        assert run.returncode == 0, log_path.read_text(errors="replace")[-6000:]
