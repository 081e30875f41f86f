"""Batch claiming: claims that never ran go back without an attempt counted, live claims are
never taken over, and a batch runs each task exactly once (in-process workers on the test
database; the process-level guarantees are in test_worker.py and tests/faults)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.core.models import WorkerHeartbeat
from hotline.core.worker import HotlineWorker, reap_orphaned_tasks
from tests.core.sample_tasks import fails_then_succeeds, journaled_double, journaled_sleep


def _worker(worker_id: str, *, batch: bool = False) -> HotlineWorker:
    return HotlineWorker(
        queue_names=["*"],
        interval=0.01,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
        outbox=False,
    )


def _alive(worker_id: str, *, seconds_ago: float = 0.0) -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="test", pid=1, started_at=seen, last_seen=seen
    )


@pytest.mark.django_db
def test_claim_batch_claims_in_priority_order_and_marks_no_start(tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.txt")
    low = journaled_sleep.using(priority=-5).enqueue(journal, 0)
    high = journaled_sleep.using(priority=5).enqueue(journal, 0)
    middle = journaled_sleep.enqueue(journal, 0)

    claimed = _worker("w-1").claim_batch(2)

    assert [str(task.pk) for task in claimed] == [high.id, middle.id]
    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [rows[high.id].status, rows[middle.id].status, rows[low.id].status] == [
        TaskResultStatus.RUNNING,
        TaskResultStatus.RUNNING,
        TaskResultStatus.READY,
    ]
    assert rows[high.id].worker_ids == ["w-1"]
    assert rows[high.id].started_at is None  # claimed, not started


@pytest.mark.django_db
def test_unstarted_claims_of_dead_worker_return_without_an_attempt(tmp_path: Path) -> None:
    result = journaled_sleep.enqueue(str(tmp_path / "journal.txt"), 0)
    _alive("dead-1", seconds_ago=3600)
    _worker("dead-1").claim_batch(5)

    assert reap_orphaned_tasks() == 1

    task = DBTaskResult.objects.get(pk=result.id)
    assert (task.status, task.worker_ids, task.started_at) == (TaskResultStatus.READY, [], None)


@pytest.mark.django_db
def test_started_task_of_dead_worker_counts_its_attempt(tmp_path: Path) -> None:
    result = journaled_sleep.enqueue(str(tmp_path / "journal.txt"), 0)
    _alive("dead-2", seconds_ago=3600)
    _worker("dead-2").claim_batch(1)
    DBTaskResult.objects.filter(pk=result.id).update(started_at=timezone.now() - timedelta(hours=1))

    assert reap_orphaned_tasks() == 1

    task = DBTaskResult.objects.get(pk=result.id)
    assert (task.status, task.worker_ids) == (TaskResultStatus.READY, ["dead-2"])


@pytest.mark.django_db
def test_claims_of_live_worker_are_never_reaped(tmp_path: Path) -> None:
    result = journaled_sleep.enqueue(str(tmp_path / "journal.txt"), 0)
    _alive("live-1")
    _worker("live-1").claim_batch(5)

    assert reap_orphaned_tasks() == 0

    task = DBTaskResult.objects.get(pk=result.id)
    assert (task.status, task.worker_ids) == (TaskResultStatus.RUNNING, ["live-1"])


@pytest.mark.django_db
def test_settling_gives_back_the_unstarted_rest_of_a_batch(tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.txt")
    results = [journaled_sleep.enqueue(journal, 0) for _ in range(3)]
    worker = _worker("w-2")
    claimed = worker.claim_batch(3)
    worker._claimed = [task.pk for task in claimed]

    worker._run_claimed(claimed[0])  # the first one ran, then the worker is told to stop
    worker._settle_claims()

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [(rows[r.id].status, rows[r.id].worker_ids) for r in results] == [
        (TaskResultStatus.SUCCESSFUL, ["w-2"]),
        (TaskResultStatus.READY, []),
        (TaskResultStatus.READY, []),
    ]
    assert Path(journal).read_text().count("done") == 1


@pytest.mark.django_db(transaction=True)
def test_batches_run_every_task_once_and_retry_a_failure(tmp_path: Path, settings: object) -> None:
    settings.WORKER_CLAIM_BATCH = 4  # type: ignore[attr-defined]
    journal = tmp_path / "journal.txt"
    results = [journaled_sleep.enqueue(str(journal), 0) for _ in range(10)]
    failing = fails_then_succeeds.enqueue(str(tmp_path / "failing.txt"), 1)

    _worker("w-3", batch=True).run()  # returns when nothing is left to do now

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [(rows[r.id].status, rows[r.id].worker_ids) for r in results] == [
        (TaskResultStatus.SUCCESSFUL, ["w-3"])
    ] * 10
    assert journal.read_text().count("done") == 10
    retried = rows[failing.id]
    # failed once, queued again with backoff (not due yet, so the batch run ended)
    assert (retried.status, retried.worker_ids) == (TaskResultStatus.READY, ["w-3"])
    assert retried.run_after > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_consecutive_runs_of_a_task_with_a_batch_runner_run_in_one_call(
    tmp_path: Path, settings: object
) -> None:
    settings.WORKER_CLAIM_BATCH = 10  # type: ignore[attr-defined]
    journal = tmp_path / "journal.txt"
    results = [journaled_double.enqueue(journal=str(journal), value=n) for n in range(5)]

    _worker("w-4", batch=True).run()

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [
        (rows[r.id].status, rows[r.id].return_value, rows[r.id].worker_ids) for r in results
    ] == [(TaskResultStatus.SUCCESSFUL, 2 * n, ["w-4"]) for n in range(5)]
    assert all(rows[r.id].started_at and rows[r.id].finished_at for r in results)
    assert journal.read_text().splitlines() == ["batch 0 1 2 3 4"]


@pytest.mark.django_db(transaction=True)
def test_failing_batch_runs_one_by_one_and_only_the_bad_run_fails(
    tmp_path: Path, settings: object
) -> None:
    settings.WORKER_CLAIM_BATCH = 10  # type: ignore[attr-defined]
    journal = tmp_path / "journal.txt"
    good, bad, other = (journaled_double.enqueue(journal=str(journal), value=n) for n in (1, -1, 2))

    _worker("w-5", batch=True).run()

    rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
    assert [(rows[r.id].status, rows[r.id].return_value) for r in (good, other)] == [
        (TaskResultStatus.SUCCESSFUL, 2),
        (TaskResultStatus.SUCCESSFUL, 4),
    ]
    # failed once, queued again with backoff; its one attempt counted once
    retried = rows[bad.id]
    assert (retried.status, retried.worker_ids) == (TaskResultStatus.READY, ["w-5"])
    assert retried.run_after > timezone.now()
    assert journal.read_text().splitlines() == ["batch 1 -1 2", "one 1", "one -1", "one 2"]
