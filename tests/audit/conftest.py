"""Fixtures for the audit tests."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from django.db import connection

SQLITE_UP = import_module("hotline.audit.migrations.0002_append_only").SQLITE_UP


@pytest.fixture
def tamper() -> Iterator[None]:
    """Disable the append-only triggers, as an attacker with database access would first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute(SQLITE_UP[0])
