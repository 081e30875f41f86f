"""Periodic monitoring work: the retention run."""

from __future__ import annotations

from django_tasks import task

from hotline.monitoring.retention import run_retention


@task()
def purge_retention() -> int:
    """Purge every kind of record past its retention period; returns how many rows changed.

    Idempotent: a second run finds nothing left to clear."""
    return run_retention().total
