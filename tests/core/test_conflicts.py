"""A transaction PostgreSQL ends to break a deadlock is not an outage: the request is run again
(intake) or answered "send it again" at once, never "the database is unreachable" and never
logged as an outage."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from hotline.cases.models import Report
from hotline.core.outage import Reconnector, is_database_outage, is_transaction_conflict
from hotline.intake import api
from tests.conftest import World
from tests.intake.test_api import report


def _deadlock() -> BaseException:
    """The error PostgreSQL gives one of two sessions that wait for each other (advisory locks
    taken in opposite orders), as Django raises it."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def take(first: int, second: int) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [first])
                start.wait()
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [second])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 1, errors  # PostgreSQL ends one of the two, the other goes on
    return errors[0]


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_a_conflict_not_an_outage() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no deadlock to break")
    error = _deadlock()

    assert isinstance(error, OperationalError)
    assert is_transaction_conflict(error)
    assert not is_database_outage(error)


def test_a_long_running_loop_runs_a_deadlocked_step_again_soon_without_an_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = Reconnector("worker w1", base=0.5)

    with caplog.at_level(logging.WARNING):
        delays = [database.failed(_conflict()) for _ in range(5)]

    assert max(delays) <= 0.25  # no backoff: each conflict is a new, independent try
    assert not database.down
    assert not caplog.records
    broken = OperationalError("server closed the connection unexpectedly")
    with caplog.at_level(logging.WARNING):
        database.failed(broken)
    assert database.down
    assert "database unreachable" in caplog.records[0].getMessage()


def test_a_broken_connection_is_an_outage_not_a_conflict() -> None:
    error = OperationalError("server closed the connection unexpectedly")
    error.__cause__ = psycopg.OperationalError("server closed the connection unexpectedly")

    assert is_database_outage(error)
    assert not is_transaction_conflict(error)


def _conflict() -> OperationalError:
    """A deadlock as Django raises it (the driver's error as its cause), where two real
    sessions cannot be made to deadlock on the path under test."""
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def _failing(times: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``_file_batch`` fails ``times`` times with a deadlock, then files as usual."""
    calls: list[int] = []
    real = api._file_batch

    def file_batch(*args: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise _conflict()
        return real(*args)

    monkeypatch.setattr(api, "_file_batch", file_batch)
    return calls


def _post(world: World, external_id: str) -> Any:
    return Client().post(
        "/api/v1/reports",
        json.dumps({"reports": [report(external_id)]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.intake_token}",
        HTTP_IDEMPOTENCY_KEY=f"key-{external_id}",
    )


@pytest.mark.django_db(transaction=True)
def test_intake_files_a_report_again_after_a_deadlock(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The group's run and the first run alone end in a deadlock; the second alone succeeds.
    calls = _failing(2, monkeypatch)

    with caplog.at_level(logging.WARNING):
        response = _post(world, "esp-deadlock")

    assert response.status_code == 201, response.content
    assert len(calls) == 3
    assert Report.objects.filter(external_id="esp-deadlock").count() == 1
    assert not [r for r in caplog.records if "unreachable" in r.getMessage()]


@pytest.mark.django_db(transaction=True)
def test_intake_answers_409_send_again_when_every_run_deadlocks(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _failing(100, monkeypatch)

    with caplog.at_level(logging.WARNING):
        response = _post(world, "esp-deadlocked")

    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "1"
    problem = response.json()
    assert problem["title"] == "Conflict with a concurrent request"
    assert "Nothing from this request was stored" in problem["detail"]
    assert "unreachable" not in problem["detail"]
    assert Report.objects.count() == 0
    assert not [r for r in caplog.records if "unreachable" in r.getMessage()]
    # The same request again, once the conflict is gone: stored (its key was not kept either).
    monkeypatch.undo()
    assert _post(world, "esp-deadlocked").status_code == 201
