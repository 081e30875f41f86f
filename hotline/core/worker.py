"""``hotline worker``: runs background tasks and delivers the outbox.

Built on django-tasks-db's worker, with what a hotline needs on top:

* a heartbeat thread, so other workers can tell a live worker from a dead one;
* reaping: a task left RUNNING by a worker whose heartbeat is stale is put back
  to READY (retried, not lost), while a live worker's task is never touched
  (never run twice at once);
* retries with exponential backoff for failed tasks, up to
  ``HOTLINE_TASK_MAX_ATTEMPTS`` runs in all (``worker_ids`` counts the runs);
* surviving database outages: a step that fails with a connection error closes the broken
  connections and is retried with backoff (logged once per outage); the heartbeat thread does
  the same, and a task whose outcome could not be recorded is put back in the queue once the
  database answers again. A worker never exits because the database went away.
* the registered between-task loops (``WORKER_LOOPS``) between tasks: the outbox registers
  its delivery there (``OutboxConfig.ready``), so the worker does not know the outbox;
* batch runners (``BATCH_RUNNERS``): consecutive claimed runs of a task that has one are done
  together in one call (the enrichment of ten items in a few statements instead of ten times
  ten), each run still its own task with its own outcome; when the call fails, each run is
  done on its own, so one bad run fails alone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.compat import normalize_json, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from hotline.core.models import WorkerHeartbeat
from hotline.core.outage import DATABASE_ERRORS, Reconnector
from hotline.core.registry import Registry

logger = logging.getLogger(__name__)

# A loop gets the worker's id and returns how much it did (0: nothing to do now).
WorkerLoop = Callable[[str], int]
WORKER_LOOPS: Registry[WorkerLoop] = Registry("worker loop")
OUTBOX_LOOP = "outbox"  # the loop ``--no-outbox`` leaves out

# A batch runner does several runs of one task in one call: it gets each run's keyword
# arguments, in order, and returns each run's return value in the same order. It must do
# exactly what the runs would have done one by one (tasks are idempotent, so a batch that
# failed half-way may be redone run by run). When it raises, the worker runs each of the
# runs on its own instead, so a bad run fails (and is retried) alone. Registered under the
# task's module path (``Task.module_path``) by the app that owns the task.
BatchRunner = Callable[[Sequence[dict[str, Any]]], Sequence[Any]]
BATCH_RUNNERS: Registry[BatchRunner] = Registry("batch runner")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(6)}"


def live_worker_ids() -> set[str]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )


def _consecutive_runs(tasks: Sequence[DBTaskResult]) -> list[list[DBTaskResult]]:
    """The claimed tasks in their order, consecutive runs of one task (same path and queue,
    keyword arguments only) grouped together."""
    groups: list[list[DBTaskResult]] = []
    for task in tasks:
        previous = groups[-1][0] if groups else None
        if (
            previous is not None
            and previous.task_path == task.task_path
            and previous.queue_name == task.queue_name
            and not task.args_kwargs.get("args")
            and not previous.args_kwargs.get("args")
        ):
            groups[-1].append(task)
        else:
            groups.append([task])
    return groups


def reap_orphaned_tasks() -> int:
    """Put tasks of dead workers back in the queue (or fail them after the last attempt)."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    reaped = 0
    with transaction.atomic():
        # Claimed but never started (``started_at`` empty) or started before the lease.
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING)
            .filter(Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
            .order_by()[:100]
        )
        if not stale:
            return 0
        alive = live_worker_ids()
        for task in stale:
            owner = task.worker_ids[-1] if task.worker_ids else ""
            if owner in alive:
                continue
            if task.started_at is None:
                # A claim that never ran: back to the queue, the attempt not counted.
                DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.READY, worker_ids=task.worker_ids[:-1]
                )
            elif len(task.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=timezone.now(),
                    exception_class_path="hotline.core.worker.WorkerLost",
                    traceback=f"worker {owner} died during the last allowed attempt",
                )
            else:
                DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.READY, started_at=None
                )
            logger.warning("task %s of dead worker %s reaped", task.pk, owner)
            reaped += 1
    return reaped


def task_backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def _relax_commit() -> None:
    """Let the current transaction commit without waiting for the disk (PostgreSQL only).

    For the worker's own bookkeeping (claims, start marks): if a database crash loses such a
    commit, the task is simply claimed or run again, and tasks are idempotent. A later commit
    that does wait for the disk (the task's own work) flushes the earlier ones with it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _set_session_commit(*, relaxed: bool) -> None:
    """Run the next statements (one task of a WORKER_ASYNC_COMMIT_QUEUES queue) with commits
    that do not wait for the disk, or back to waiting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit TO {'OFF' if relaxed else 'DEFAULT'}")


class HotlineWorker(Worker):
    def __init__(self, *, outbox: bool = True, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.outbox = outbox
        self._stop_heartbeat = threading.Event()
        # A task claimed by this worker whose outcome may not have been recorded because the
        # database went away while it ran; released for a retry once the database is back.
        self._unsettled_task: UUID | str | None = None
        # The same for the runs of a group given to a batch runner.
        self._unsettled_tasks: list[UUID | str] = []
        # Tasks claimed by this worker that have not started yet (the rest of the batch).
        self._claimed: list[UUID | str] = []
        self._relaxed = False  # this connection's synchronous_commit is off

    # --- heartbeat --------------------------------------------------------------------
    def _beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"last_seen": now, "hostname": socket.gethostname(), "pid": os.getpid()},
            create_defaults={
                "last_seen": now,
                "started_at": now,
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
            },
        )

    def _heartbeat_loop(self) -> None:
        # Its own reconnector: the thread has its own connection, and its own outage to report.
        database = Reconnector(f"worker {self.worker_id} heartbeat")
        wait = float(settings.WORKER_HEARTBEAT_SECONDS)
        try:
            while not self._stop_heartbeat.wait(wait):
                wait = float(settings.WORKER_HEARTBEAT_SECONDS)
                try:
                    self._beat()
                except DATABASE_ERRORS as exc:
                    # Beat again soon rather than a full interval later: the lease is short.
                    wait = min(wait, database.failed(exc))
                    continue
                except Exception:
                    logger.exception("heartbeat failed; retrying")
                    continue
                database.succeeded()
        finally:
            connection.close()

    # --- main loop ---------------------------------------------------------------------
    def run(self) -> None:
        database = Reconnector(f"worker {self.worker_id}")
        while self.running:
            try:
                self._beat()
                break
            except DATABASE_ERRORS as exc:
                time.sleep(database.failed(exc))
        else:
            return
        database.succeeded()
        beat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        beat.start()
        logger.info("worker %s started", self.worker_id)
        last_reap = 0.0
        last_loops = 0.0
        try:
            while self.running:
                try:
                    close_old_connections()
                    self._settle_claims()
                    did_work = False
                    now = time.monotonic()
                    if now - last_reap > settings.WORKER_HEARTBEAT_SECONDS:
                        reap_orphaned_tasks()
                        last_reap = now
                    # The outbox and other loops run when the queue is idle, and at most every
                    # WORKER_OUTBOX_SECONDS while tasks keep coming: not one poll per task.
                    if now - last_loops >= settings.WORKER_OUTBOX_SECONDS:
                        for name, loop in WORKER_LOOPS.items():
                            if name != OUTBOX_LOOP or self.outbox:
                                did_work |= loop(self.worker_id) > 0
                        last_loops = time.monotonic()
                    ran = self._run_batch()
                    if ran == 0:
                        last_loops = 0.0  # idle: the loops run on the next round
                    did_work |= ran > 0
                except DATABASE_ERRORS as exc:
                    self._sleep(database.failed(exc))
                    continue
                database.succeeded()
                if self.batch and not did_work:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if self.running and not did_work:
                    time.sleep(self.interval)
        finally:
            self._stop_heartbeat.set()
            try:
                # Claimed but not started: back to the queue at once, no attempt counted.
                self._settle_claims()
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DATABASE_ERRORS:
                # The row goes stale and the worker shows as dead once its lease passes; the
                # reaper then puts its claimed tasks back.
                logger.warning("worker %s stopped without removing its heartbeat", self.worker_id)

    def _sleep(self, seconds: float) -> None:
        # Short naps, so that a shutdown request is honoured promptly during a long backoff.
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    # --- claiming and running -------------------------------------------------------------
    def _ready(self) -> QuerySet[DBTaskResult]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        return tasks

    def claim_batch(self, size: int) -> list[DBTaskResult]:
        """Claim up to ``size`` due tasks in one transaction (``SKIP LOCKED``: workers never wait
        for each other), in priority order. A claimed task is RUNNING with this worker as its
        last id and no ``started_at`` until it starts: a claim that never ran is given back
        without counting an attempt (here on shutdown, by the reaper if this worker dies)."""
        with transaction.atomic():
            _relax_commit()
            claimed = list(self._ready().select_for_update(skip_locked=True)[:size])
            # One UPDATE per distinct list of earlier workers (nearly always one: first runs),
            # not a CASE per row, which costs more to build than the rest of the claim.
            by_runs: dict[tuple[str, ...], list[UUID | str]] = {}
            for task in claimed:
                by_runs.setdefault(tuple(task.worker_ids), []).append(task.pk)
                task.status = TaskResultStatus.RUNNING
                task.worker_ids = [*task.worker_ids, self.worker_id]
            for earlier, pks in by_runs.items():
                DBTaskResult.objects.filter(pk__in=pks).update(
                    status=TaskResultStatus.RUNNING, worker_ids=[*earlier, self.worker_id]
                )
        return claimed

    def _run_batch(self) -> int:
        size = settings.WORKER_CLAIM_BATCH
        if self.max_tasks is not None:
            size = max(1, min(size, self.max_tasks - self._run_tasks))
        claimed = self.claim_batch(size)
        self._claimed = [task.pk for task in claimed]
        ran = 0
        try:
            for group in _consecutive_runs(claimed):
                if not self.running:
                    break  # shutting down: the rest go back to the queue (finally in run)
                runner = BATCH_RUNNERS.get(group[0].task_path)
                if runner is not None and len(group) > 1:
                    self._run_group(group, runner)
                    ran += len(group)
                    continue
                for task in group:
                    if not self.running:
                        break
                    self._run_claimed(task)
                    ran += 1
        finally:
            self._relax_session(False)
        self._settle_claims()
        return ran

    def _relax_session(self, relaxed: bool) -> None:
        # One SET per change, not per task: a batch of enrichment tasks sets it once.
        if relaxed != self._relaxed:
            self._relaxed = relaxed
            _set_session_commit(relaxed=relaxed)

    def _run_claimed(self, task: DBTaskResult) -> None:
        # From here until the outcome is recorded, an outage must not leave the task RUNNING
        # under a live worker (the reaper never touches a live worker's task).
        self._unsettled_task = task.pk
        self._claimed.remove(task.pk)
        relaxed = task.queue_name in settings.WORKER_ASYNC_COMMIT_QUEUES
        self._relax_session(relaxed)
        task.started_at = timezone.now()
        if relaxed:
            DBTaskResult.objects.filter(pk=task.pk).update(started_at=task.started_at)
        else:
            with transaction.atomic():
                _relax_commit()
                DBTaskResult.objects.filter(pk=task.pk).update(started_at=task.started_at)
        self.run_task(task)
        if task.status == TaskResultStatus.FAILED:
            self._maybe_retry(task.pk)
        self._unsettled_task = None

    def _run_group(self, tasks: list[DBTaskResult], runner: BatchRunner) -> None:
        """Run several claimed runs of one task through its batch runner: started together,
        marked successful together; one by one instead when the runner fails."""
        pks = [task.pk for task in tasks]
        self._unsettled_tasks = pks
        for pk in pks:
            self._claimed.remove(pk)
        relaxed = tasks[0].queue_name in settings.WORKER_ASYNC_COMMIT_QUEUES
        self._relax_session(relaxed)
        started = timezone.now()
        if relaxed:
            DBTaskResult.objects.filter(pk__in=pks).update(started_at=started)
        else:
            with transaction.atomic():
                _relax_commit()
                DBTaskResult.objects.filter(pk__in=pks).update(started_at=started)
        for task in tasks:
            task.started_at = started
            task_started.send(sender=type(task.task.get_backend()), task_result=task.task_result)
        try:
            values = list(runner([dict(task.task_result.kwargs) for task in tasks]))
            if len(values) != len(tasks):
                raise ValueError(f"batch runner gave {len(values)} results for {len(tasks)} runs")
        except DATABASE_ERRORS:
            raise  # an outage: the whole group goes back to the queue (_settle_claims)
        except Exception:
            logger.warning(
                "batch of %d %s runs failed; running them one by one",
                len(tasks),
                tasks[0].task_path,
                exc_info=True,
            )
            for task in tasks:
                self._unsettled_task = task.pk
                self.run_task(task)
                if task.status == TaskResultStatus.FAILED:
                    self._maybe_retry(task.pk)
                self._unsettled_tasks.remove(task.pk)
                self._unsettled_task = None
            return
        try:
            self._mark_successful(tasks, values)
        except DATABASE_ERRORS:
            raise
        except Exception as exc:  # the work is done; a result that cannot be stored fails its run
            for task in tasks:
                task.set_failed(exc)
                self._maybe_retry(task.pk)
        self._run_tasks += len(tasks)
        self._unsettled_tasks = []

    def _mark_successful(self, tasks: list[DBTaskResult], values: list[Any]) -> None:
        """What ``set_successful`` does for each task, in one UPDATE per distinct return value."""
        finished = timezone.now()
        by_value: dict[str, tuple[Any, list[UUID | str]]] = {}
        for task, value in zip(tasks, values, strict=True):
            normalised = normalize_json(value)
            key = json.dumps(normalised, sort_keys=True)
            by_value.setdefault(key, (normalised, []))[1].append(task.pk)
        for value, pks in by_value.values():
            DBTaskResult.objects.filter(pk__in=pks).update(
                status=TaskResultStatus.SUCCESSFUL,
                finished_at=finished,
                return_value=value,
                exception_class_path="",
                traceback="",
            )
        for task, value in zip(tasks, values, strict=True):
            task.status = TaskResultStatus.SUCCESSFUL
            task.finished_at = finished
            task.return_value = normalize_json(value)
            task_finished.send(sender=type(task.task.get_backend()), task_result=task.task_result)

    def _settle_claims(self) -> None:
        """Give back what an outage or a shutdown left claimed: the task that was running (its
        attempt counts) and the claimed ones that never started (no attempt counted)."""
        if self._unsettled_task is not None:
            self._settle_unsettled_task()
        while self._unsettled_tasks:
            # The rest of a group an outage interrupted: each goes back as a started run.
            self._unsettled_task = self._unsettled_tasks.pop()
            self._settle_unsettled_task()
        if not self._claimed:
            return
        pks, self._claimed = self._claimed, []
        with transaction.atomic():
            for task in (
                DBTaskResult.objects.select_for_update()
                .filter(pk__in=pks, status=TaskResultStatus.RUNNING, started_at__isnull=True)
                .only("worker_ids")
            ):
                if task.worker_ids and task.worker_ids[-1] == self.worker_id:
                    DBTaskResult.objects.filter(pk=task.pk).update(
                        status=TaskResultStatus.READY, worker_ids=task.worker_ids[:-1]
                    )

    def _settle_unsettled_task(self) -> None:
        """Put back in the queue the task whose outcome an outage kept us from recording."""
        pk = self._unsettled_task
        if pk is None:
            return
        with transaction.atomic():
            task = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=pk, status=TaskResultStatus.RUNNING)
                .only("worker_ids")
                .first()
            )
            # Only while it is still ours: after a long outage another worker may have reaped it.
            if task is not None and task.worker_ids and task.worker_ids[-1] == self.worker_id:
                DBTaskResult.objects.filter(pk=pk).update(
                    status=TaskResultStatus.READY, started_at=None
                )
                logger.warning("task %s interrupted by a database outage; queued again", pk)
        self._unsettled_task = None
        # A task that failed with the outage (FAILED is recorded) gets its normal retry.
        self._maybe_retry(pk)

    def _maybe_retry(self, pk: UUID | str) -> None:
        task = DBTaskResult.objects.filter(pk=pk).only("status", "worker_ids").first()
        if task is None or task.status != TaskResultStatus.FAILED:
            return
        attempts = len(task.worker_ids)
        if attempts >= settings.TASK_MAX_ATTEMPTS:
            logger.error("task %s failed for good after %d attempts", pk, attempts)
            return
        DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            started_at=None,
            finished_at=None,
            run_after=timezone.now() + task_backoff(attempts),
        )
