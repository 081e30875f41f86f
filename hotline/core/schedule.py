"""Periodic jobs. An app registers its jobs in its ``AppConfig.ready``; one
``hotline scheduler`` process enqueues each when due. The job's row is locked
while it is checked, so even two schedulers by mistake enqueue a job once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from hotline.core.models import ScheduledJob
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
