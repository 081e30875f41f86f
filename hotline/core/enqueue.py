"""Queueing many runs of one task in one INSERT (a batch of reports queues one enrichment per
new item: a hundred single-row INSERTs were most of a batch's statements).

With the database backend the rows are exactly those ``Task.enqueue`` writes, one multi-row
INSERT in the caller's transaction (``pre_save`` is not sent; its one handler's default is
applied here), and ``task_enqueued`` is sent for each as ``enqueue`` does. Any other backend gets ``enqueue`` called once per run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue_many(task: Task[Any, Any], runs: Sequence[Mapping[str, Any]]) -> None:
    """Queue ``task`` once per keyword-argument mapping in ``runs``."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for kwargs in runs:
            task.enqueue(**kwargs)
        return
    backend.validate_task(task)
    # bulk_create sends no pre_save, where the backend puts "no delay" as its far-future date.
    run_after = task.run_after if task.run_after is not None else get_date_max()
    rows: list[DBTaskResult] = [
        DBTaskResult(
            id=backend._get_id(),  # the id the backend itself would give (its only source)
            args_kwargs=normalize_json({"args": (), "kwargs": dict(kwargs)}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=run_after,
            backend_name=backend.alias,
        )
        for kwargs in runs
    ]
    DBTaskResult.objects.bulk_create(rows, batch_size=1000)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)
