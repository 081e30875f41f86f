"""Workers are real processes here: started, killed with SIGKILL, and replaced."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.core.models import WorkerHeartbeat
from tests.core.sample_tasks import fails_then_succeeds, journaled_sleep
from tests.processes import start_hotline, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE = 3  # seconds without a heartbeat before a worker is presumed dead


def _journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.txt"


def _lines(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text().splitlines()] if path.exists() else []


def test_task_of_killed_worker_is_retried_not_lost_not_doubled(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    result = journaled_sleep.enqueue(str(journal), 4.0)
    first = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
    try:
        wait_for(lambda: _lines(journal) == ["start"], what="first worker to start the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING

    second = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
    try:
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            timeout=60,
            what="second worker to finish the reaped task",
        )
    finally:
        output = stop(second)

    assert _lines(journal) == ["start", "start", "done"], output
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 2


def test_live_worker_task_is_never_taken_over(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    result = journaled_sleep.enqueue(str(journal), LEASE * 4)
    first = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
    second = None
    try:
        wait_for(lambda: _lines(journal) == ["start"], what="first worker to start the task")
        second = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
        # A slow start (a busy machine) must not make the check vacuous: both must be up
        # while the task still runs past the lease.
        wait_for(lambda: WorkerHeartbeat.objects.count() == 2, what="the second worker's heartbeat")
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            timeout=60,
            what="the task to finish",
        )
        assert WorkerHeartbeat.objects.count() == 2  # both alive all along
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert _lines(journal) == ["start", "done"]
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 1


def test_failed_task_is_retried_with_backoff_until_it_succeeds(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    result = fails_then_succeeds.enqueue(str(journal), 1)
    worker = start_hotline("worker", "--interval", "0.1")
    try:
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            timeout=60,
            what="the retried task to succeed",
        )
    finally:
        stop(worker)

    assert journal.read_text().splitlines() == ["run 1", "run 2"]


def test_task_failing_every_time_stops_after_max_attempts(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    result = fails_then_succeeds.enqueue(str(journal), 99)
    worker = start_hotline("worker", "--interval", "0.1", HOTLINE_TASK_MAX_ATTEMPTS=2)
    try:
        wait_for(
            lambda: (
                DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.FAILED
                and len(_lines(journal)) == 2
            ),
            timeout=60,
            what="the task to fail for good",
        )
    finally:
        stop(worker)

    assert journal.read_text().splitlines() == ["run 1", "run 2"]
