"""``insert_new`` writes the rows ``bulk_create`` writes: on PostgreSQL by COPY from ``COPY_FROM``
rows (the path every large batch of reports takes), below that by one prepared multi-row INSERT
(a single report's rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import new_url_item
from hotline.cases.models import Channel, Concern, Report, ReportItem
from hotline.fast_insert import COPY_FROM, bind, insert_new
from hotline.hosting.canonical import canonicalize

pytestmark = pytest.mark.django_db

# Text that COPY must escape (tab, newline, return, a literal \N, backslashes, quotes), non-ASCII.
AWKWARD = "tab\there\nline\r\\N back\\slash 'q' \"dq\" \u00e9\u4e2d\U0001f642 ,|;"


def _events(tag: str, n: int) -> list[AuditEvent]:
    return [
        AuditEvent(
            at=datetime(2026, 12, 1, 10, 0, i % 60, tzinfo=UTC),
            actor=f"client:{tag}",
            organisation="" if i % 3 else AWKWARD,
            action="test.copy",
            object_type="cases.report",
            object_id=str(i),
            detail={"text": AWKWARD, "n": i, "list": [1, None, True, 2.5], "nested": {"a": []}},
            hash=f"{i:064x}",
        )
        for i in range(n)
    ]


def _rows(tag: str) -> list[dict[str, Any]]:
    rows = AuditEvent.objects.filter(actor=f"client:{tag}").order_by("id").values()
    return [{k: v for k, v in row.items() if k not in ("id", "actor")} for row in rows]


# 1, 3 and 10: one INSERT (RETURNING the ids; 10 rows are 90 parameters, more than psycopg
# caches a statement's parse for, where ``bind`` merges them); 3 * COPY_FROM: COPY (PostgreSQL).
SIZES = [1, 3, 10, 3 * COPY_FROM]


@pytest.mark.parametrize("n", SIZES)
def test_rows_are_those_bulk_create_writes(n: int) -> None:
    copied = _events("copied", n)
    insert_new(copied)
    AuditEvent.objects.bulk_create(_events("created", n))

    assert _rows("copied") == _rows("created")
    assert len(_rows("copied")) == n
    stored = AuditEvent.objects.in_bulk([e.pk for e in copied])
    assert [stored[e.pk].object_id for e in copied] == [str(i) for i in range(n)]
    assert all(not e._state.adding for e in copied)


def test_copy_from_the_threshold_on_postgresql() -> None:
    with CaptureQueriesContext(connection) as below:
        insert_new(_events("below", COPY_FROM - 1))
    with CaptureQueriesContext(connection) as at:
        insert_new(_events("at", COPY_FROM))
    assert not any("COPY" in q["sql"] for q in below.captured_queries)
    copies = [q for q in at.captured_queries if q["sql"].startswith("COPY")]
    assert len(copies) == (1 if connection.vendor == "postgresql" else 0)
    if connection.vendor == "postgresql":  # below: one statement, which returns the ids
        [insert] = below.captured_queries
        assert insert["sql"].startswith('INSERT INTO "audit_auditevent"')
        assert insert["sql"].endswith('RETURNING "id"')


def test_ids_set_by_the_caller_are_kept() -> None:
    """All set: written as they are; some set: each row gets its own or a new one."""
    given = _events("given", 2)
    given[0].pk, given[1].pk = 10_000_001, 10_000_002
    insert_new(given)
    mixed = _events("mixed", 2)
    mixed[0].pk = 10_000_003
    insert_new(mixed)

    assert [e.pk for e in given] == [10_000_001, 10_000_002]
    assert mixed[0].pk == 10_000_003
    assert mixed[1].pk not in (None, 10_000_003)
    stored = AuditEvent.objects.in_bulk([e.pk for e in given + mixed])
    assert [stored[e.pk].actor for e in given + mixed] == ["client:given"] * 2 + [
        "client:mixed"
    ] * 2


@pytest.mark.parametrize("n", [2, COPY_FROM])
def test_foreign_keys_of_objects_saved_after_assignment(n: int) -> None:
    """A link built before its report and item had ids refers to them once they are stored."""
    now = timezone.now()
    reports = [
        Report(
            reference=f"TEST-{i:06d}",
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            received_at=now,
            description=AWKWARD,
            reported_accounts=[{"handle": AWKWARD}],
        )
        for i in range(n)
    ]
    items = []
    for i in range(n):
        canonical = canonicalize(f"http://fk{i}.example.test/")
        items.append(new_url_item(canonical, f"{i:064x}", urgent=False, now=now))
    links = [
        ReportItem(report=report, item=item, submitted_value=f"http://fk{i}.example.test/")
        for i, (report, item) in enumerate(zip(reports, items, strict=True))
    ]
    insert_new(reports)
    insert_new(items)
    insert_new(links)

    stored = {
        link.report.reference: link.item.canonical_url
        for link in ReportItem.objects.select_related("report", "item")
    }
    assert stored == {f"TEST-{i:06d}": f"http://fk{i}.example.test/" for i in range(n)}
    back = Report.objects.get(reference="TEST-000000")
    assert (back.description, back.reported_accounts) == (AWKWARD, [{"handle": AWKWARD}])


@pytest.mark.parametrize("n", [6, COPY_FROM])
def test_a_unique_violation_is_djangos_integrity_error(n: int) -> None:
    """The intake API retries a batch that lost a race on IntegrityError; by COPY too."""
    now = timezone.now()

    def reports(tag: str) -> list[Report]:
        return [
            Report(
                reference=f"DUP-{i:06d}" if i == 5 else f"{tag}-{i:06d}",
                channel=Channel.COMPANY_API,
                concern=Concern.CSAM,
                received_at=now,
            )
            for i in range(n)
        ]

    insert_new(reports("A"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(reports("B"))
    assert Report.objects.filter(reference__startswith="B-").count() == 0


# Values of every kind a row of Hotline's carries, with the characters quoting must get right.
BOUND = [
    None,
    "",
    AWKWARD,
    "100% %s %% %(name)s",
    "O'Brien \\ 'quoted'",
    0,
    -7,
    2**62,
    2.5,
    -0.0,
    True,
    False,
    datetime(2026, 12, 4, 5, 6, 7, 891011, tzinfo=UTC),
    date(2026, 12, 4),
    UUID("12345678-1234-5678-1234-567812345678"),
    Decimal("12.340"),
    b"\x00\xff'\\",
    '{"text": "%s", "n": [1, null]}',
]


def test_bind_sends_the_statement_psycopg_would_and_it_reads_back() -> None:
    """``bind`` merges the values as psycopg's client-side binding does (``mogrify``): a quote,
    a backslash or a ``%`` in a value reaches the database as it was."""
    if connection.vendor != "postgresql":
        pytest.skip("bind is the PostgreSQL path of insert_new (SQLite uses bulk_create)")
    template = ", ".join(["%s"] * len(BOUND))
    with connection.cursor() as cursor:
        bound = bind(cursor, f"SELECT {template}".encode(), BOUND)
        assert bound == cursor.cursor.mogrify(f"SELECT {template}", BOUND)
        cursor.execute(bound)
        row = cursor.fetchone()
    assert [bytes(v) if isinstance(v, memoryview) else v for v in row] == BOUND


@pytest.mark.parametrize("n", SIZES)
def test_a_value_the_database_refuses_is_djangos_data_error(n: int) -> None:
    """A NUL in text, which PostgreSQL cannot store: the error callers catch from
    ``bulk_create`` (``django.db.DataError``), on every path, and nothing stored."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a NUL in text")
    events = _events("nul", n)
    events[-1].organisation = "before\x00after"
    with pytest.raises(DataError), transaction.atomic():
        insert_new(events)
    with pytest.raises(DataError), transaction.atomic():
        AuditEvent.objects.bulk_create(_events("nul-created", n)[:-1] + events[-1:])
    assert not AuditEvent.objects.filter(actor__in=["client:nul", "client:nul-created"]).exists()
