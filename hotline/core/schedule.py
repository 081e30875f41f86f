"""Periodic jobs. An app registers its jobs in its ``AppConfig.ready``; one
``hotline scheduler`` process enqueues each when due. The job's row is locked
while it is checked, so even two schedulers by mistake enqueue a job once.

``run_scheduler`` is the process's loop; it outlives database outages (it waits, reconnects and
then enqueues whatever fell due meanwhile)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections, transaction
from django.utils import timezone
from django_tasks.base import Task

from hotline.core.models import ScheduledJob
from hotline.core.outage import DATABASE_ERRORS, Reconnector
from hotline.core.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task


JOBS: Registry[PeriodicJob] = Registry("periodic job")


def register_periodic(name: str, *, every: timedelta, task: Task) -> None:
    """Run ``task`` (no arguments) every ``every`` (a second, different job of that name is
    refused)."""
    JOBS.register(name, PeriodicJob(name, every, task))


def enqueue_due_jobs() -> list[str]:
    """Enqueue every job whose interval has passed; returns the names enqueued."""
    enqueued = []
    now = timezone.now()
    for job in JOBS.values():
        with transaction.atomic():
            row, _ = ScheduledJob.objects.get_or_create(name=job.name)
            row = ScheduledJob.objects.select_for_update().get(pk=row.pk)
            if row.last_enqueued_at is not None and now - row.last_enqueued_at < job.every:
                continue
            job.task.enqueue()
            row.last_enqueued_at = now
            row.save(update_fields=["last_enqueued_at"])
            enqueued.append(job.name)
    if enqueued:
        logger.info("scheduler enqueued %s", ", ".join(enqueued))
    return enqueued


def _nap(seconds: float, should_stop: Callable[[], bool]) -> None:
    # Short sleeps rather than an Event: a signal handler may only set a flag safely.
    deadline = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def run_scheduler(
    *,
    interval: float,
    should_stop: Callable[[], bool],
    max_checks: int | None = None,
    on_enqueued: Callable[[str], None] | None = None,
) -> int:
    """Check for due jobs every ``interval`` seconds until ``should_stop()`` (or ``max_checks``
    checks succeeded); returns the number of successful checks.

    A database outage never ends the loop: the broken connection is closed, the outage is
    logged once, and the check is retried with backoff until the database answers.
    """
    database = Reconnector("scheduler")
    checks = 0
    while not should_stop():
        try:
            close_old_connections()
            enqueued = enqueue_due_jobs()
        except DATABASE_ERRORS as exc:
            _nap(database.failed(exc), should_stop)
            continue
        database.succeeded()
        checks += 1
        if on_enqueued is not None:
            for name in enqueued:
                on_enqueued(name)
        if max_checks is not None and checks >= max_checks:
            break
        _nap(interval, should_stop)
    return checks
