"""What an operator needs to know about the running processes: which workers are alive (by their
heartbeat and the lease), when the scheduler last enqueued, whether the database answers.

A worker that was killed (or hangs so badly that even its heartbeat thread stops) shows as dead
once ``HOTLINE_WORKER_LEASE_SECONDS`` pass without a heartbeat; a worker that stopped cleanly
removes its row and is simply gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from hotline.core.models import ScheduledJob, WorkerHeartbeat
from hotline.core.outage import DATABASE_ERRORS, close_broken_connections


@dataclass(frozen=True)
class WorkerState:
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime
    last_seen: datetime
    alive: bool


def workers(*, now: datetime | None = None) -> list[WorkerState]:
    """Every worker with a heartbeat row, alive when it beat within the lease; newest first."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    return [
        WorkerState(
            worker_id=beat.worker_id,
            hostname=beat.hostname,
            pid=beat.pid,
            started_at=beat.started_at,
            last_seen=beat.last_seen,
            alive=beat.last_seen >= cutoff,
        )
        for beat in WorkerHeartbeat.objects.order_by("-started_at", "worker_id")
    ]


def scheduler_last_run() -> datetime | None:
    """When the scheduler last enqueued a periodic job (None: never)."""
    last: datetime | None = ScheduledJob.objects.aggregate(last=Max("last_enqueued_at"))["last"]
    return last


class ReadinessJson(TypedDict):
    ready: bool
    database: str
    live_workers: int
    dead_workers: int
    scheduler_last_run: str | None


def readiness() -> ReadinessJson:
    """Ready means: the database answers and at least one worker is alive to do the
    background work (enrichment, outbox delivery). The scheduler's last run is reported,
    not required: its jobs are hourly and a late one is not a reason to stop serving.
    Counts only: host names and process ids are for operators (``workers()``), not the public."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        states = workers()
        last_run = scheduler_last_run()
    except DATABASE_ERRORS:
        close_broken_connections()
        return {
            "ready": False,
            "database": "unreachable",
            "live_workers": 0,
            "dead_workers": 0,
            "scheduler_last_run": None,
        }
    live = sum(1 for state in states if state.alive)
    return {
        "ready": live > 0,
        "database": "ok",
        "live_workers": live,
        "dead_workers": len(states) - live,
        "scheduler_last_run": last_run.isoformat() if last_run else None,
    }
