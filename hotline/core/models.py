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


class AlertState(models.Model):
    """The last e-mail alert of one kind (``no_worker``, ``queue_age:<task>``, ...): when it was
    sent and what it said, so a condition that persists is repeated only after the interval."""

    key = models.CharField(max_length=200, unique=True)
    last_sent_at = models.DateTimeField()
    last_detail = models.TextField(blank=True)
    sent_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"alert {self.key} (last sent {self.last_sent_at:%Y-%m-%d %H:%M})"
