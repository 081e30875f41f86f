"""The one-writer-per-model check (``tests/ownership.py``) itself: raw SQL writing another app's
table is caught, the owner's own raw SQL and the ORM's statements are not reported twice."""

from __future__ import annotations

import pytest
from django.db import connection

from hotline.cases.models import Item
from tests import ownership

pytestmark = pytest.mark.django_db


RAW = "with connection.cursor() as c:\n    c.execute(sql)\n"


def _run_as(module: str, sql: str, code: str = RAW) -> list[ownership.Violation]:
    """Run ``code`` (by default: ``sql`` through a cursor) as if module ``module`` had the
    lines, and return what the check recorded (then cleared, so that this test does not fail
    for it)."""
    ownership._violations.clear()
    env = {"__name__": module, "connection": connection, "sql": sql, "Item": Item}
    exec(compile(code, "fake.py", "exec"), env)  # noqa: S102 - fixed test code
    found = list(ownership._violations)
    ownership._violations.clear()
    return found


def test_raw_sql_writing_another_apps_table_is_caught() -> None:
    Item.objects.create(kind="url", canonical_url="http://a.example.test/", canonical_url_hash="a")
    update = "UPDATE cases_item SET report_count = report_count + 1"
    found = _run_as("hotline.feeds.someplace", update)
    assert [(v.model, v.owner, v.writer, v.how) for v in found] == [
        ("cases.Item", "hotline.cases", "hotline.feeds.someplace", "raw SQL")
    ]
    assert _run_as("hotline.cases.someplace", update) == []  # the owner may
    assert _run_as("hotline.feeds.someplace", "SELECT id FROM cases_item") == []
    orm = _run_as("hotline.feeds.someplace", "", "Item.objects.update(urgent=True)\n")
    assert [v.how for v in orm] == ["QuerySet.update()"]  # once, not again as raw SQL


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "cases_item" (kind) VALUES (%s)', "cases_item"),
        ("  update cases_item AS item SET urgent = true", "cases_item"),
        ("DELETE FROM audit_auditevent WHERE id = 1", "audit_auditevent"),
        ("WITH x AS (SELECT 1) UPDATE cases_report SET status = 'x'", "cases_report"),
        ("SELECT * FROM cases_item WHERE id = 1 FOR UPDATE", None),
        ("COPY cases_item (kind) FROM STDIN", None),  # fast_insert's COPY: its own guard
    ],
)
def test_written_table(sql: str, table: str | None) -> None:
    assert ownership.written_table(sql) == table
