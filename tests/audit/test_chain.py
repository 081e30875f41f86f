from __future__ import annotations

import threading
from importlib import import_module

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from hotline.audit.actions import record, verify_chain
from hotline.audit.models import AuditEvent

SQLITE_UP = import_module("hotline.audit.migrations.0002_append_only").SQLITE_UP


def _three_events() -> list[AuditEvent]:
    return [record(f"test.event{i}", actor=None, object_type="t", object_id=i) for i in range(3)]


@pytest.mark.django_db
def test_intact_chain_verifies() -> None:
    _three_events()

    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_update_and_delete_are_refused_by_the_database() -> None:
    first, *_ = _three_events()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(action="edited")
    if connection.vendor == "postgresql":  # SQLite relies on the chain for deletions
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=first.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_edited_event_is_detected(tamper: None) -> None:
    _, second, _ = _three_events()

    AuditEvent.objects.filter(pk=second.pk).update(detail={"forged": True})

    problems = list(verify_chain())
    assert [(p.seq, p.problem) for p in problems] == [
        (2, "content altered: hash does not match the event")
    ]
    with pytest.raises(CommandError, match="audit chain BROKEN: 1 problem"):
        call_command("audit", "verify")


@pytest.mark.django_db(transaction=True)
def test_deleted_event_is_detected(tamper: None) -> None:
    _, second, _ = _three_events()

    AuditEvent.objects.filter(pk=second.pk).delete()

    assert [(p.seq, p.problem) for p in verify_chain()] == [
        (3, "sequence gap: expected #2"),
        (3, "link broken: prev_hash does not match the event before"),
    ]


@pytest.mark.django_db(transaction=True)
def test_truncated_tail_is_detected_against_recorded_head(tamper: None) -> None:
    events = _three_events()
    head = (events[-1].seq, events[-1].hash)

    AuditEvent.objects.filter(pk=events[-1].pk).delete()

    assert list(verify_chain()) == []  # invisible without an anchor ...
    assert [p.problem for p in verify_chain(expect_head=head)] == [
        "recorded head not found: events were removed or rewritten"
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_extend_one_chain() -> None:
    writers, per_writer = 6, 15
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    record("test.concurrent", actor=None, object_type="w", object_id=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert AuditEvent.objects.count() == writers * per_writer
    assert list(verify_chain()) == []
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(
        range(1, writers * per_writer + 1)
    )
