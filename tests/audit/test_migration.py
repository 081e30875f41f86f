"""Migration 0004 turns an existing hash chain into the Merkle tree without losing an event,
and refuses to seal a broken chain into a signed tree. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module
from typing import Any

import pytest
from django.db import connection

from hotline.audit.actions import integrate, verify_chain
from hotline.audit.models import AuditEvent
from tests.migrating import migrate_forward, old_apps_fixture

BEFORE = [("audit", "0003_chaincheck_and_filter_indexes")]
MERKLE = import_module("hotline.audit.migrations.0004_merkle")


old_apps = old_apps_fixture(BEFORE)


def _old_chain(old_apps: Any, *, break_at: int | None = None) -> list[Any]:
    OldEvent = old_apps.get_model("audit", "AuditEvent")
    previous, events = "0" * 64, []
    for seq in range(1, 4):
        event = OldEvent(
            seq=seq,
            at=datetime(2026, 1, seq, 12, 0, tzinfo=UTC),
            actor="user:alice",
            organisation="Hotline A",
            action=f"test.old{seq}",
            object_type="t",
            object_id=str(seq),
            detail={"n": seq},
            prev_hash=previous,
        )
        event.hash = MERKLE._old_hash(event)
        if seq == break_at:
            event.detail = {"n": "edited after hashing"}
        event.save()
        previous = event.hash
        events.append(event)
    return events


@pytest.mark.django_db(transaction=True)
def test_old_chain_is_kept_in_place_and_signed_by_the_first_sequencer_run(old_apps: Any) -> None:
    _old_chain(old_apps)

    migrate_forward()

    events = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.action, e.detail) for e in events] == [
        (1, "test.old1", {"n": 1}),
        (2, "test.old2", {"n": 2}),
        (3, "test.old3", {"n": 3}),
    ]
    assert list(verify_chain()) == []
    from hotline.audit.actions import record

    record("test.new", actor=None)
    head = integrate()
    assert head is not None
    assert head.tree_size == 4
    assert list(verify_chain()) == []


@pytest.mark.django_db(transaction=True)
def test_broken_old_chain_stops_the_migration(old_apps: Any) -> None:
    _old_chain(old_apps, break_at=2)

    with pytest.raises(RuntimeError, match="audit chain broken at event #2"):
        migrate_forward()

    with connection.cursor() as cursor:  # leave an empty log for the fixture to migrate
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
