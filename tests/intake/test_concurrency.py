"""The same submission from many threads at once: one 201, the rest the stored report (200)
or a 409 to retry, never a 500. Real threads and real transactions, on SQLite (writers
serialise) and on PostgreSQL (the unique index makes the losers wait, then clash)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from hotline.cases.models import Report
from hotline.fast_insert import COPY_FROM
from tests.conftest import World
from tests.intake.test_api import report

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
ROUNDS = 10


def _race(world: World, body: dict[str, Any], key: str = "") -> list[int]:
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key

    def submit() -> None:
        try:
            start.wait()
            response = Client().post(
                "/api/v1/reports",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_duplicates_without_a_key_store_one_report(world: World) -> None:
    per_round = [Counter(_race(world, {"reports": [report(f"race-{n}")]})) for n in range(ROUNDS)]

    for counts in per_round:
        assert counts[201] == 1, counts
        assert counts[200] + counts[409] == THREADS - 1, counts
    assert Report.objects.count() == ROUNDS


def test_concurrent_retries_with_one_key_store_one_report(world: World) -> None:
    counts = Counter(_race(world, {"reports": [report("keyed")]}, key="batch-1"))

    assert counts[201] + counts[409] == THREADS, counts
    assert Report.objects.count() == 1


def test_concurrent_large_batches_store_each_report_once(world: World) -> None:
    """Batches large enough to be written by COPY on PostgreSQL, racing: each report is stored
    once and every request answered (the losers 200 or 409), never a 500. (That a unique
    violation inside COPY is Django's IntegrityError is tested in tests/core/test_fast_insert.py.)"""
    size = 2 * COPY_FROM
    for n in range(3):
        body = {"reports": [report(f"big-{n}-{i}") for i in range(size)]}
        counts = Counter(_race(world, body))
        assert counts[201] == 1, counts
        assert counts[200] + counts[409] == THREADS - 1, counts
    assert Report.objects.count() == 3 * size
