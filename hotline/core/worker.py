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
  its delivery there (``OutboxConfig.ready``), so the worker does not know the outbox.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
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


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(6)}"


def live_worker_ids() -> set[str]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )


def reap_orphaned_tasks() -> int:
    """Put tasks of dead workers back in the queue (or fail them after the last attempt)."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    reaped = 0
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True).filter(
                status=TaskResultStatus.RUNNING, started_at__lt=cutoff
            )[:100]
        )
        if not stale:
            return 0
        alive = live_worker_ids()
        for task in stale:
            owner = task.worker_ids[-1] if task.worker_ids else ""
            if owner in alive:
                continue
            if len(task.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
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


class HotlineWorker(Worker):
    def __init__(self, *, outbox: bool = True, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.outbox = outbox
        self._stop_heartbeat = threading.Event()
        # A task claimed by this worker whose outcome may not have been recorded because the
        # database went away while it ran; released for a retry once the database is back.
        self._unsettled_task: UUID | str | None = None

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
        try:
            while self.running:
                try:
                    close_old_connections()
                    self._settle_unsettled_task()
                    did_work = False
                    if time.monotonic() - last_reap > settings.WORKER_HEARTBEAT_SECONDS:
                        reap_orphaned_tasks()
                        last_reap = time.monotonic()
                    for name, loop in WORKER_LOOPS.items():
                        if name != OUTBOX_LOOP or self.outbox:
                            did_work |= loop(self.worker_id) > 0
                    did_work |= self._run_one_task()
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
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DATABASE_ERRORS:
                # The row goes stale and the worker shows as dead once its lease passes.
                logger.warning("worker %s stopped without removing its heartbeat", self.worker_id)

    def _sleep(self, seconds: float) -> None:
        # Short naps, so that a shutdown request is honoured promptly during a long backoff.
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _run_one_task(self) -> bool:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with transaction.atomic():
            task_result = tasks.get_locked()
            if task_result is None:
                return False
            task_result.claim(self.worker_id)
        # From here until the outcome is recorded, an outage must not leave the task RUNNING
        # under a live worker (the reaper never touches a live worker's task).
        self._unsettled_task = task_result.pk
        self.run_task(task_result)
        self._maybe_retry(task_result.pk)
        self._unsettled_task = None
        return True

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
