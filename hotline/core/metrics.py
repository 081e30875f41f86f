"""Prometheus metrics: the health page's figures, read from the database at each scrape.

A custom collector rather than counters in memory: web processes, workers and the scheduler
are separate processes (on several machines at scale), so only the database knows the truth.
The endpoint (``/metrics``) wants a bearer credential with the ``metrics`` scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from hotline.core import health
from hotline.core.models import AlertState
from hotline.core.outage import DATABASE_ERRORS, close_broken_connections


def _seconds(moment: datetime | None) -> float:
    """Unix time, 0 for never (Prometheus has no null; 0 reads as "never" in dashboards)."""
    return moment.timestamp() if moment is not None else 0.0


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"hotline_{name}", documentation, labels=labels)


class HotlineCollector(Collector):
    """Yields every figure of ``health.snapshot()``; only ``hotline_database_up`` and the disk
    while the database does not answer."""

    def collect(self) -> Iterator[Metric]:
        snapshot = health.snapshot()
        database = _gauge("database_up", "1 when the database answers a query")
        database.add_metric([], 1.0 if snapshot is not None else 0.0)
        yield database
        yield from self._disk(health.media_disk())
        if snapshot is None:
            return
        yield from self._workers(snapshot)
        yield from self._queues(snapshot)
        outbox = _gauge("outbox_messages", "Outbox messages by state", ["state"])
        for state, count in snapshot.outbox.items():
            outbox.add_metric([state], float(count))
        yield outbox
        jobs = _gauge(
            "scheduler_job_last_run_timestamp_seconds",
            "When the scheduler last ran or queued each periodic job (0: never)",
            ["job"],
        )
        for job in snapshot.jobs:
            jobs.add_metric([job.name], _seconds(job.last_run))
        yield jobs
        yield from self._feeds(snapshot)
        try:
            sent = list(AlertState.objects.values_list("key", "sent_count"))
        except DATABASE_ERRORS:
            close_broken_connections()
            return
        alerts = CounterMetricFamily(
            "hotline_alerts_sent", "Alert e-mails sent, by alert key", labels=["alert"]
        )
        for key, count in sent:
            alerts.add_metric([key], float(count))
        yield alerts

    def _disk(self, disk: health.DiskState) -> Iterator[Metric]:
        for name, documentation, value in (
            ("media_disk_total_bytes", "Size of the media store's file system", disk.total_bytes),
            (
                "media_disk_free_bytes",
                "Free space on the media store's file system",
                disk.free_bytes,
            ),
            ("media_store_bytes", "Bytes of files in the media store", disk.store_bytes),
        ):
            metric = _gauge(name, documentation)
            metric.add_metric([], float(value))
            yield metric

    def _workers(self, snapshot: health.Health) -> Iterator[Metric]:
        counts = _gauge(
            "workers", "Workers with a heartbeat row, alive or presumed dead", ["state"]
        )
        alive = snapshot.live_workers
        counts.add_metric(["alive"], float(alive))
        counts.add_metric(["dead"], float(len(snapshot.workers) - alive))
        yield counts
        up = _gauge("worker_up", "1 while the worker beats within its lease", ["worker", "host"])
        beat = _gauge(
            "worker_last_heartbeat_timestamp_seconds",
            "When each worker last sent a heartbeat",
            ["worker", "host"],
        )
        for row in snapshot.workers:
            labels = [row.state.worker_id, row.state.hostname]
            up.add_metric(labels, 1.0 if row.state.alive else 0.0)
            beat.add_metric(labels, _seconds(row.state.last_seen))
        yield up
        yield beat

    def _queues(self, snapshot: health.Health) -> Iterator[Metric]:
        ready = _gauge("tasks_ready", "Due tasks waiting for a worker", ["task"])
        running = _gauge("tasks_running", "Tasks being run", ["task"])
        oldest = _gauge(
            "tasks_oldest_wait_seconds",
            "How long the longest-waiting due task has waited",
            ["task"],
        )
        for queue in snapshot.queues:
            ready.add_metric([queue.task_path], float(queue.ready))
            running.add_metric([queue.task_path], float(queue.running))
            oldest.add_metric([queue.task_path], queue.oldest_wait_seconds)
        yield ready
        yield running
        yield oldest

    def _feeds(self, snapshot: health.Health) -> Iterator[Metric]:
        serial = _gauge("feed_serial", "Current serial of each feed's list", ["feed"])
        published = _gauge(
            "feed_published_serial", "Serial consumers are served (-1: nothing published)", ["feed"]
        )
        when = _gauge(
            "feed_published_timestamp_seconds",
            "When each feed was last published (0: never)",
            ["feed"],
        )
        for feed in snapshot.feeds:
            serial.add_metric([feed.feed], float(feed.serial))
            published.add_metric(
                [feed.feed],
                float(feed.published_serial if feed.published_serial is not None else -1),
            )
            when.add_metric([feed.feed], _seconds(feed.published_at))
        yield serial
        yield published
        yield when


# auto_describe off: registering must not run a scrape's worth of queries at import time.
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(HotlineCollector())


def exposition() -> bytes:
    """The metrics in Prometheus' text exposition format."""
    return generate_latest(REGISTRY)
