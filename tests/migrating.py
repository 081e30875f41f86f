"""Testing a data migration: the database migrated back to the state before it, filled through
the historical models, then migrated forward."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def apps_before(before: list[tuple[str, str]]) -> Iterator[Any]:
    """The project's models as they were at ``before`` (app label, migration name), the
    database migrated back there; at the end, whatever the test did, the database is at the
    latest state again for the next tests."""
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    # The state of every app as the database now is: the apps of ``before`` there, the rest at
    # their latest migration (project_state of ``before`` alone would leave out unrelated apps).
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in dict(before)]
    try:
        yield executor.loader.project_state([*before, *others]).apps
    finally:
        migrate_forward()


def migrate_forward() -> None:
    """Every app to its latest migration."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_apps_fixture(before: list[tuple[str, str]]) -> Callable[[], Iterator[Any]]:
    """A test module's ``old_apps`` fixture: ``apps_before(before)`` around each test.
    Assign it as ``old_apps = old_apps_fixture(BEFORE)``."""

    @pytest.fixture
    def old_apps() -> Iterator[Any]:
        with apps_before(before) as apps:
            yield apps

    return old_apps
