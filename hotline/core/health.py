"""What an operator needs to know about the running processes: which workers are alive (by their
heartbeat and the lease), when the scheduler last enqueued, whether the database answers, how
deep the task queues are and how long their oldest task waits, the outbox backlog, feed
publication and the media store's disk. The health page, the Prometheus metrics and the e-mail
alerts all read these same functions, at the moment they are asked (no counters in memory: a
metric must be true whichever process serves it).

A worker that was killed (or hangs so badly that even its heartbeat thread stops) shows as dead
once ``HOTLINE_WORKER_LEASE_SECONDS`` pass without a heartbeat; a worker that stopped cleanly
removes its row and is simply gone.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from hotline.core.models import ScheduledJob, WorkerHeartbeat
from hotline.core.outage import DATABASE_ERRORS, close_broken_connections
from hotline.core.registry import Registry
from hotline.core.schedule import JOBS


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


def scheduler_alive(last_run: datetime | None, *, now: datetime | None = None) -> bool:
    """The scheduler runs the alert check every ``HOTLINE_ALERTS_CHECK_SECONDS``, so a live
    scheduler has run some job within about that time; twice that plus a minute of slack."""
    if last_run is None:
        return False
    now = now or timezone.now()
    return now - last_run <= timedelta(seconds=2 * settings.ALERTS_CHECK_SECONDS + 60)


class ReadinessJson(TypedDict):
    ready: bool
    database: str
    live_workers: int
    dead_workers: int
    scheduler_alive: bool
    scheduler_last_run: str | None


def readiness() -> ReadinessJson:
    """Ready means: the database answers and at least one worker is alive to do the
    background work (enrichment, outbox delivery). Whether the scheduler is alive (and its
    last run) is reported, not required: a late periodic job is no reason to stop serving.
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
            "scheduler_alive": False,
            "scheduler_last_run": None,
        }
    live = sum(1 for state in states if state.alive)
    return {
        "ready": live > 0,
        "database": "ok",
        "live_workers": live,
        "dead_workers": len(states) - live,
        "scheduler_alive": scheduler_alive(last_run),
        "scheduler_last_run": last_run.isoformat() if last_run else None,
    }


# --- the health page's figures ----------------------------------------------------------------


@dataclass(frozen=True)
class LastTask:
    task_path: str
    status: str
    started_at: datetime


def last_tasks(worker_ids: list[str], *, recent: int = 2000) -> dict[str, LastTask]:
    """The newest task each worker started, among the ``recent`` newest started tasks (a worker
    idle for longer than that shows none). Read in Python because SQLite cannot search JSON
    arrays with an index, and the owning worker is the last id in ``worker_ids``."""
    wanted = set(worker_ids)
    found: dict[str, LastTask] = {}
    if not wanted:
        return found
    rows = (
        DBTaskResult.objects.filter(started_at__isnull=False)
        .order_by("-started_at")
        .values_list("worker_ids", "task_path", "status", "started_at")[:recent]
    )
    for ids, task_path, status, started_at in rows:
        owner = ids[-1] if ids else ""
        if started_at is not None and owner in wanted and owner not in found:
            found[owner] = LastTask(task_path, status, started_at)
            if len(found) == len(wanted):
                break
    return found


@dataclass(frozen=True)
class QueueState:
    task_path: str
    ready: int  # due now and waiting for a worker
    running: int
    oldest_wait_seconds: float  # how long the longest-waiting due task has waited (0: none)


def queues(*, now: datetime | None = None) -> list[QueueState]:
    """Per task name: due tasks waiting, tasks running, and the oldest due task's wait. A task
    retried with backoff waits from its ``run_after``, not from when it was first queued."""
    now = now or timezone.now()
    never = get_date_max()
    due = DBTaskResult.objects.ready()
    waiting: dict[str, int] = {}
    oldest: dict[str, datetime] = {}
    for row in (
        due.filter(run_after=never)
        .values("task_path")
        .annotate(n=Count("id"), since=Min("enqueued_at"))
    ):
        waiting[row["task_path"]] = row["n"]
        oldest[row["task_path"]] = row["since"]
    for row in (
        due.exclude(run_after=never)
        .values("task_path")
        .annotate(n=Count("id"), since=Min("run_after"))
    ):
        path = row["task_path"]
        waiting[path] = waiting.get(path, 0) + row["n"]
        oldest[path] = min(oldest.get(path, row["since"]), row["since"])
    running = dict(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .values("task_path")
        .annotate(n=Count("id"))
        .values_list("task_path", "n")
    )
    return [
        QueueState(
            task_path=path,
            ready=waiting.get(path, 0),
            running=running.get(path, 0),
            oldest_wait_seconds=max(0.0, (now - oldest[path]).total_seconds())
            if path in oldest
            else 0.0,
        )
        for path in sorted(set(waiting) | set(running))
    ]


# The outbox sits above this plumbing (it registers its delivery loop with the worker), so it
# registers what its backlog is here, like the feeds register their publication state.
BACKLOG_SOURCES: Registry[Callable[[], dict[str, int]]] = Registry("backlog source")
OUTBOX = "outbox"
PARKED = "failed"  # the outbox's state of a message that gave up and waits for an administrator


def outbox_backlog() -> dict[str, int]:
    """Outbox messages by state (every state, zeros included), delivered ones too."""
    source = BACKLOG_SOURCES.get(OUTBOX)
    return source() if source is not None else {}


@dataclass(frozen=True)
class JobState:
    name: str
    every_seconds: float | None  # None: no longer registered in this version
    last_run: datetime | None


def scheduled_jobs() -> list[JobState]:
    """Every periodic job, registered or remembered, with the scheduler's last run of it."""
    last = dict(ScheduledJob.objects.values_list("name", "last_enqueued_at"))
    return [
        JobState(
            name=name,
            every_seconds=JOBS[name].every.total_seconds() if name in JOBS else None,
            last_run=last.get(name),
        )
        for name in sorted(set(JOBS) | set(last))
    ]


@dataclass(frozen=True)
class FeedPublication:
    """One feed as consumers see it. ``serial`` is the list's current serial;
    ``published_serial`` is what consumers are served now (equal for feeds served live)."""

    feed: str
    serial: int
    changed_at: datetime | None
    published_serial: int | None
    published_at: datetime | None

    @property
    def behind(self) -> bool:
        return self.published_serial != self.serial and self.serial > 0


FeedSource = Callable[[], list[FeedPublication]]
FEED_SOURCES: Registry[FeedSource] = Registry("feed source")


def register_feed_source(name: str, source: FeedSource) -> None:
    """Extension point: an app that publishes feeds (``hotline.feeds``) registers a function
    listing its feeds' publication state, so this lower layer can show and alert on them
    without importing the app. A second, different source under one name is refused."""
    FEED_SOURCES.register(name, source)


def feed_publications() -> list[FeedPublication]:
    return [feed for name in sorted(FEED_SOURCES) for feed in FEED_SOURCES[name]()]


@dataclass(frozen=True)
class DiskState:
    path: str
    exists: bool
    total_bytes: int
    used_bytes: int
    free_bytes: int
    store_bytes: int  # the media store's own files


def media_disk() -> DiskState:
    """Disk use of the media store: the file system it lives on and its own files' size."""
    path = Path(settings.MEDIA_DIR)
    if not path.is_dir():
        return DiskState(str(path), False, 0, 0, 0, 0)
    usage = shutil.disk_usage(path)
    store = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return DiskState(str(path), True, usage.total, usage.used, usage.free, store)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS:
        close_broken_connections()
        return False
    return True


@dataclass(frozen=True)
class WorkerRow:
    state: WorkerState
    last_task: LastTask | None


@dataclass(frozen=True)
class Health:
    """Everything the health page and the metrics show, read at one moment."""

    now: datetime
    database: bool
    workers: list[WorkerRow]
    queues: list[QueueState]
    outbox: dict[str, int]
    jobs: list[JobState]
    feeds: list[FeedPublication]
    disk: DiskState

    @property
    def live_workers(self) -> int:
        return sum(1 for row in self.workers if row.state.alive)


def snapshot() -> Health | None:
    """The full picture, or None when the database does not answer (only the disk is known
    then, and the page says the database is unreachable)."""
    now = timezone.now()
    if not database_ok():
        return None
    try:
        states = workers(now=now)
        tasks = last_tasks([state.worker_id for state in states])
        return Health(
            now=now,
            database=True,
            workers=[WorkerRow(state, tasks.get(state.worker_id)) for state in states],
            queues=queues(now=now),
            outbox=outbox_backlog(),
            jobs=scheduled_jobs(),
            feeds=feed_publications(),
            disk=media_disk(),
        )
    except DATABASE_ERRORS:
        close_broken_connections()
        return None
