"""Housekeeping tasks of the platform itself."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.core.models import WorkerHeartbeat


@task()
def prune_platform_state() -> int:
    """Forget heartbeats of workers gone for a day and successful task results older than a week."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
    deleted, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=7)
    ).delete()
    return deleted
