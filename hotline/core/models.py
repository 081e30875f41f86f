"""Platform state: worker heartbeats and the scheduler's bookkeeping."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A live ``hotline worker`` process. A stale heartbeat means the worker is presumed dead."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"


class ScheduledJob(models.Model):
    """When a periodic job was last enqueued; the scheduler locks the row so it enqueues once."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
