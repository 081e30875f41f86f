from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from hotline.audit.actions import GENESIS, event_hash, record, verify_chain
from hotline.audit.models import AuditEvent

SQLITE_UP = import_module("hotline.audit.migrations.0002_append_only").SQLITE_UP
# SHA-256 of the payload spelled out in test_event_hash_known_answer, for external verifiers.
KNOWN_HASH = "444f87de4621d52093fdb01719bdadc356edfd1f0ea59642791f8e82011178ef"


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


def _forge(event: AuditEvent, **changes: object) -> None:
    """Rewrite ``event`` and recompute its hash and every later one, relinking the chain:
    what an attacker with write access and the code does to hide an edit."""
    AuditEvent.objects.filter(pk=event.pk).update(**changes)
    previous = AuditEvent.objects.get(seq=event.seq - 1).hash if event.seq > 1 else GENESIS
    for later in AuditEvent.objects.filter(seq__gte=event.seq).order_by("seq"):
        later.prev_hash = previous
        later.hash = event_hash(later)
        AuditEvent.objects.filter(pk=later.pk).update(prev_hash=later.prev_hash, hash=later.hash)
        previous = later.hash


@pytest.mark.django_db(transaction=True)
def test_forged_chain_with_recomputed_hashes_is_caught_against_the_recorded_head(
    tamper: None,
) -> None:
    _, second, _ = _three_events()
    out = StringIO()
    call_command("audit", "head", stdout=out)
    recorded_head = out.getvalue().strip()

    _forge(second, detail={"forged": True})

    assert list(verify_chain()) == []  # self-consistent: only an anchor reveals it
    err = StringIO()
    with pytest.raises(CommandError, match="audit chain BROKEN: 1 problem"):
        call_command("audit", "verify", "--expect-head", recorded_head, stderr=err)
    assert err.getvalue() == (
        "event #3: recorded head not found: events were removed or rewritten\n"
    )


def _unsaved(prev_hash: str) -> AuditEvent:
    return AuditEvent(
        seq=7,
        at=datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        actor="user:alice",
        organisation="Hotline A",
        action="case.view",
        object_type="cases.report",
        object_id="42",
        detail={"fields": ["url"], "note": "é"},
        prev_hash=prev_hash,
    )


def test_event_hash_depends_on_the_previous_event_hash() -> None:
    first = event_hash(_unsaved("a" * 64))
    second = event_hash(_unsaved("b" * 64))

    assert first != second


def test_event_hash_known_answer() -> None:
    # The canonical payload (sorted keys, no spaces, UTF-8, microsecond UTC time) and its
    # SHA-256: changing either breaks every chain already written.
    event = _unsaved("a" * 64)
    payload = (
        '{"action":"case.view","actor":"user:alice","at":"2026-01-02T03:04:05.600000Z",'
        '"detail":{"fields":["url"],"note":"é"},"object_id":"42","object_type":"cases.report",'
        '"organisation":"Hotline A","prev_hash":"' + "a" * 64 + '","seq":7}'
    )

    assert event_hash(event) == hashlib.sha256(payload.encode()).hexdigest()
    assert event_hash(event) == KNOWN_HASH
