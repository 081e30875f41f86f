"""Fixtures for the audit tests."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from django.db import connection

MERKLE = import_module("hotline.audit.migrations.0004_merkle")


@pytest.fixture
def tamper() -> Iterator[None]:
    """Disable the append-only triggers, as an attacker with database access would first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("ALTER TABLE audit_treehead DISABLE TRIGGER audit_head_append_only")
        else:
            for statement in MERKLE.SQLITE_DOWN:
                cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
            cursor.execute("ALTER TABLE audit_treehead ENABLE TRIGGER audit_head_append_only")
        else:
            for statement in MERKLE.SQLITE_UP:
                cursor.execute(statement)
