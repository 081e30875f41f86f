"""Queueing many runs of one task in one INSERT (a batch of reports queues one enrichment per
new item: a hundred single-row INSERTs were most of a batch's statements).

With the database backend the rows are exactly those ``Task.enqueue`` writes, one multi-row
INSERT (or COPY, ``hotline.fast_insert``) in the caller's transaction (``pre_save`` is not
sent; its one handler's default is applied here), and ``task_enqueued`` is sent for each as
``enqueue`` does when anything but the tasks library's own debug log line listens. Any other
backend gets ``enqueue`` called once per run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from hotline.fast_insert import build, insert_new


def enqueue_many(task: Task[Any, Any], runs: Sequence[Mapping[str, Any]]) -> None:
    """Queue ``task`` once per keyword-argument mapping in ``runs``."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for kwargs in runs:
            task.enqueue(**kwargs)
        return
    backend.validate_task(task)
    # Neither bulk_create nor COPY sends pre_save, where the backend puts "no delay" as its
    # far-future date.
    run_after = task.run_after if task.run_after is not None else get_date_max()
    rows: list[DBTaskResult] = [
        build(
            DBTaskResult,
            id=backend._get_id(),  # the id the backend itself would give (its only source)
            args_kwargs=_normalized(kwargs),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=run_after,
            backend_name=backend.alias,
        )
        for kwargs in runs
    ]
    insert_new(rows)
    if _listened(type(backend)):
        for row in rows:
            task_enqueued.send(type(backend), task_result=row.task_result)


_SCALARS = (str, int, float, bool, type(None))


def _normalized(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What the backend stores for a run, ``normalize_json({"args": (), "kwargs": kwargs})``:
    built directly when every argument is a plain scalar (an item id), the tasks library's
    recursive walk otherwise. Its walk was a tenth of the CPU of filing a batch of reports."""
    if all(type(key) is str and type(value) in _SCALARS for key, value in kwargs.items()):
        return {"args": [], "kwargs": dict(kwargs)}
    return dict(normalize_json({"args": (), "kwargs": dict(kwargs)}))


def _listened(sender: type[DatabaseBackend]) -> bool:
    """Whether ``task_enqueued`` would do anything. Out of the box its one receiver is the tasks
    library's ``log_task_enqueued``, a DEBUG line; building every run's ``TaskResult`` for it was
    a fifth of the CPU of filing a batch of reports."""
    sync, asynchronous = task_enqueued._live_receivers(sender)
    for receiver in (*sync, *asynchronous):
        if getattr(receiver, "__name__", "") != "log_task_enqueued":
            return True
        library = receiver.__module__.rsplit(".", 1)[0]  # django_tasks (django.tasks later)
        if logging.getLogger(library).isEnabledFor(logging.DEBUG):
            return True
    return False
