"""Surviving a database outage, with real broken connections: PostgreSQL backends terminated
with ``pg_terminate_backend`` under the worker, its heartbeat, the scheduler and the web."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.cases.models import Report
from hotline.core import schedule
from hotline.core.health import readiness, workers
from hotline.core.models import ScheduledJob, WorkerHeartbeat
from hotline.core.outage import close_broken_connections
from hotline.core.registry import Registry
from hotline.core.supervisor import EXIT_CONFIGURATION, Child, Supervisor
from hotline.core.worker import HotlineWorker, new_worker_id
from tests.conftest import World, signed_in
from tests.core.sample_tasks import fails_then_succeeds
from tests.intake.test_api import report
from tests.processes import wait_for

on_postgresql = pytest.mark.django_db(transaction=True)


@pytest.fixture
def killer() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A second PostgreSQL session that terminates the test's own sessions."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "breaks PostgreSQL sessions with pg_terminate_backend; runs in the PostgreSQL pass"
        )
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 5432),
        user=settings["USER"] or "postgres",
        dbname="postgres",  # not the test database: that one may refuse sessions
        autocommit=True,
    ) as session:
        yield session


def terminate_others(killer: psycopg.Connection[tuple[object, ...]]) -> int:
    """End every session on the test database but the killer's: a server restart, as seen
    by the sessions."""
    rows = killer.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
        (connection.settings_dict["NAME"],),
    ).fetchall()
    return len(rows)


def _outage_warnings(caplog: pytest.LogCaptureFixture, what: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "hotline.core.outage"
        and r.getMessage().startswith(f"{what}: database unreachable")
    ]


@on_postgresql
def test_worker_loop_survives_terminated_connection(
    killer: psycopg.Connection[tuple[object, ...]],
    caplog: pytest.LogCaptureFixture,
    tmp_path: object,
) -> None:
    caplog.set_level(logging.INFO, logger="hotline")
    result = fails_then_succeeds.enqueue(str(tmp_path) + "/journal.txt", 0)
    worker_id = new_worker_id()
    worker = HotlineWorker(
        queue_names=["*"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id=worker_id,
        excluded_queue_names=[],
        outbox=True,
    )
    connection.ensure_connection()
    assert terminate_others(killer) >= 1  # our own session among them

    worker.run()  # returns after its one task: the outage did not end it

    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert _outage_warnings(caplog, f"worker {worker_id}") == [
        _outage_warnings(caplog, f"worker {worker_id}")[0]
    ]
    assert WorkerHeartbeat.objects.filter(worker_id=worker_id).count() == 0  # clean exit


@on_postgresql
def test_heartbeat_thread_survives_terminated_connection(
    killer: psycopg.Connection[tuple[object, ...]], settings: object
) -> None:
    settings.WORKER_HEARTBEAT_SECONDS = 0.2  # type: ignore[attr-defined]
    worker = HotlineWorker(
        queue_names=["*"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=new_worker_id(),
        excluded_queue_names=[],
    )
    worker._beat()
    beat = threading.Thread(target=worker._heartbeat_loop, daemon=True)
    beat.start()
    try:
        first_seen = WorkerHeartbeat.objects.get(worker_id=worker.worker_id).last_seen
        wait_for(  # the thread beat at least once: its own session is open
            lambda: WorkerHeartbeat.objects.get(worker_id=worker.worker_id).last_seen > first_seen,
            what="a first heartbeat from the thread",
        )
        assert terminate_others(killer) >= 2  # the heartbeat's session and ours
        killed_at = timezone.now()
        close_broken_connections()
        wait_for(
            lambda: WorkerHeartbeat.objects.get(worker_id=worker.worker_id).last_seen > killed_at,
            timeout=15,
            what="a heartbeat after the outage",
        )
        assert beat.is_alive()
    finally:
        worker._stop_heartbeat.set()
        beat.join(timeout=10)


@on_postgresql
def test_scheduler_survives_terminated_connection(
    killer: psycopg.Connection[tuple[object, ...]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from hotline.core.tasks import prune_platform_state

    monkeypatch.setattr(schedule, "JOBS", Registry[schedule.PeriodicJob]("periodic job"))
    schedule.register_periodic("prune", every=timedelta(hours=1), task=prune_platform_state)
    # The database refuses every new session for a second, as during a restart.
    name = connection.settings_dict["NAME"]
    killer.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    reopen = threading.Timer(
        1.0, lambda: killer.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    )
    try:
        connection.ensure_connection()
        terminate_others(killer)
        reopen.start()
        checks = schedule.run_scheduler(interval=0.05, should_stop=lambda: False, max_checks=1)
    finally:
        reopen.join()
        killer.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    assert checks == 1
    assert ScheduledJob.objects.get(name="prune").last_enqueued_at is not None
    assert len(_outage_warnings(caplog, "scheduler")) == 1


@on_postgresql
def test_api_answers_503_problem_with_retry_after_then_recovers(
    killer: psycopg.Connection[tuple[object, ...]], world: World
) -> None:
    body = json.dumps({"reports": [report("esp-outage")]})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}", "HTTP_IDEMPOTENCY_KEY": "k1"}
    connection.ensure_connection()
    terminate_others(killer)

    refused = Client().post("/api/v1/reports", body, content_type="application/json", **headers)

    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["Retry-After"] == "30"
    assert refused.json()["title"] == "Service temporarily unavailable"
    assert Report.objects.count() == 0  # nothing half-stored
    retried = Client().post("/api/v1/reports", body, content_type="application/json", **headers)
    assert retried.status_code == 201
    assert Report.objects.filter(external_id="esp-outage").count() == 1


@on_postgresql
def test_browser_gets_translated_503_page_when_session_lookup_fails(
    killer: psycopg.Connection[tuple[object, ...]], world: World
) -> None:
    browser = signed_in(world.alice)
    browser.raise_request_exception = False
    connection.ensure_connection()
    terminate_others(killer)

    # The session and the user are loaded by middleware, outside any view: the 500 handler.
    page = browser.get("/staff/cases/", HTTP_ACCEPT_LANGUAGE="fr")

    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "Temporairement indisponible" in page.content.decode()


@pytest.mark.django_db
def test_readiness_counts_live_and_dead_workers_by_lease(settings: object) -> None:
    settings.WORKER_LEASE_SECONDS = 60  # type: ignore[attr-defined]
    now = timezone.now()
    for worker_id, seen in (("live", now), ("dead", now - timedelta(seconds=61))):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname="host.example.test",
            pid=1,
            started_at=seen,
            last_seen=seen,
        )

    state = readiness()

    assert [(w.worker_id, w.alive) for w in workers()] == [("live", True), ("dead", False)]
    assert (state["ready"], state["database"], state["live_workers"], state["dead_workers"]) == (
        True,
        "ok",
        1,
        1,
    )
    WorkerHeartbeat.objects.filter(worker_id="live").delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["live_workers"] == 0


SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_supervisor_restarts_a_killed_child_and_stops_all() -> None:
    child = Child("sleeper", SLEEPER)
    supervisor = Supervisor([child], min_delay=0.1, poll=0.05)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        first = wait_for(lambda: child.process, what="the child to start")
        first.kill()
        second = wait_for(
            lambda: child.process if child.restarts == 1 and child.process else None,
            what="the child to be restarted",
        )
        assert second.pid != first.pid
        assert second.poll() is None
    finally:
        supervisor.request_stop()
        runner.join(timeout=20)
    assert not runner.is_alive()
    assert child.exits[0] == -9
    assert second.poll() is not None  # stopped with the supervisor


def test_supervisor_gives_up_on_a_configuration_error() -> None:
    failing = Child("web", [sys.executable, "-c", f"raise SystemExit({EXIT_CONFIGURATION})"])
    other = Child("sleeper", SLEEPER)

    code = Supervisor([failing, other], poll=0.05).run()

    assert code == EXIT_CONFIGURATION
    assert failing.restarts == 0
    assert other.process is None  # stopped, not left running
    assert other.exits == []  # it was never seen dying on its own
