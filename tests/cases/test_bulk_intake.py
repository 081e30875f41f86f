"""``file_reports`` stores a batch exactly as ``file_report`` (a batch of one) one report after
another would, in a constant number of statements."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.compat import task_enqueued
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.cases.actions import FileInput, ReportInput, close_item, file_report
from hotline.cases.bulk_intake import file_reports
from hotline.cases.models import Channel, CloseReason, Concern, Item, Report, ReportItem
from hotline.cases.tasks import enrich_item
from hotline.cases.triage import compute_priority
from hotline.core.enqueue import enqueue_many
from hotline.fast_insert import COPY_FROM
from tests.core.test_fast_insert import AWKWARD  # text COPY must escape

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _key(item: Item) -> str:
    return item.canonical_url or item.md5 or item.sha1 or item.sha256


def _state() -> dict[str, Any]:
    """Everything intake decides, by natural keys (ids and references differ between runs)."""
    items = {
        _key(i): (i.report_count, i.status, i.close_reason, i.urgent, i.priority)
        for i in Item.objects.all()
    }
    reports = {
        r.external_id: (
            r.status,
            (r.description, r.reported_accounts, r.incident_time, r.contact, r.consent_to_contact),
            sorted(_key(ri.item) for ri in ReportItem.objects.filter(report=r)),
            sorted(ri.submitted_value for ri in ReportItem.objects.filter(report=r)),
        )
        for r in Report.objects.exclude(external_id="")
    }
    audited = sorted(
        (e.action, e.actor, len(e.detail["items"]))
        for e in AuditEvent.objects.filter(action="report.file", actor="system")
    )
    queued = sorted(
        _key(Item.objects.get(pk=t.args_kwargs["kwargs"]["item_id"]))
        for t in DBTaskResult.objects.filter(task_path=enrich_item.module_path)
    )
    return {"items": items, "reports": reports, "audited": audited, "queued": queued}


def _batch(extra: int = 0) -> list[ReportInput]:
    """The scenario's four reports, then ``extra`` new ones with awkward text."""
    web = {"channel": Channel.COMPANY_API, "concern": Concern.CSAM}
    more = [
        ReportInput(
            **web,
            external_id=f"x{i}",
            description=f"{AWKWARD} {i}",
            contact=f"reporter{i}@example.test",
            consent_to_contact=i % 2 == 0,
            incident_time=datetime(2026, 11, 30, 12, i % 60, tzinfo=UTC),
            reported_accounts=[{"platform": "example", "handle": AWKWARD, "n": i}],
            urls=[f"http://x{i}.example.test/{AWKWARD}"],
            files=[FileInput(md5=hashlib.md5(f"x{i}".encode()).hexdigest())],  # noqa: S324
        )
        for i in range(extra)
    ]
    return [
        *more,
        ReportInput(
            **web,
            external_id="r1",
            urls=[
                "http://new.example.test/a",
                "HTTP://NEW.example.test/a",
                "http://removed.example.test/",
            ],
            files=[FileInput(md5="AA" * 16)],
        ),
        ReportInput(
            **web,
            external_id="r2",
            child_in_danger=True,
            urls=["http://new.example.test/a", "http://fine.example.test/"],
            files=[FileInput(sha1="bb" * 20, md5="cc" * 16)],
        ),
        ReportInput(**web, external_id="r3", files=[FileInput(md5="CC" * 16)]),
        ReportInput(**web, external_id="r4"),
    ]


def _arrange() -> None:
    removed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://removed.example.test/"]
        ),
        actor=None,
    ).new_items[0]
    close_item(removed, reason=CloseReason.REMOVED, acting_user=None)
    fine = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://fine.example.test/"]
        ),
        actor=None,
    ).new_items[0]
    close_item(fine, reason=CloseReason.NOT_ILLEGAL, acting_user=None)
    file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, files=[FileInput(md5="aa" * 16)]
        ),
        actor=None,
    )


# 0: the scenario alone, written by multi-row INSERTs; 2 * COPY_FROM more: by COPY on PostgreSQL.
@pytest.mark.parametrize("extra", [0, 2 * COPY_FROM])
def test_batch_matches_filing_one_by_one(extra: int) -> None:
    _arrange()
    one_by_one: dict[str, Any] = {}
    try:  # file one by one, note the outcome, and roll it back
        with transaction.atomic():
            for data in _batch(extra):
                file_report(data, actor=None)
            one_by_one = _state()
            raise _Undo
    except _Undo:
        pass

    filed = file_reports(_batch(extra), actor=None)

    assert _state() == one_by_one
    assert [len(f.new_items) for f in filed] == [2] * extra + [1, 1, 0, 0]
    assert [len(f.known_items) for f in filed] == [0] * extra + [2, 2, 1, 0]
    assert one_by_one["items"]["http://removed.example.test/"][1] == "new"  # reopened
    assert one_by_one["items"]["http://fine.example.test/"][1] == "closed"  # stays closed


def test_batch_statements_do_not_grow_with_its_size() -> None:
    def statements(n: int, prefix: str) -> int:
        batch = [
            ReportInput(
                channel=Channel.COMPANY_API,
                concern=Concern.CSAM,
                external_id=f"{prefix}{i}",
                urls=[f"http://{prefix}{i}.example.test/"],
                files=[FileInput(md5=hashlib.md5(f"{prefix}{i}".encode()).hexdigest())],  # noqa: S324
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            file_reports(batch, actor=None)
        return len(captured)

    if connection.vendor == "postgresql":
        # From COPY_FROM rows a table is written by COPY (hotline.fast_insert): as many
        # statements for ten times the reports.
        statements(COPY_FROM, "warm")  # the first COPY of a table looks up its sequence once
        few, many = statements(COPY_FROM, "a"), statements(10 * COPY_FROM, "b")
        assert many == few
    else:  # SQLite splits multi-row INSERTs at its 999-parameter limit
        assert statements(40, "b") < 40


def test_reports_of_known_items_do_not_add_statements_per_item() -> None:
    """A batch re-reporting items already known (a URL reported by many, a file seen before)
    updates them in one statement, not several per item; and what it writes is what filing
    one by one writes (``test_batch_matches_filing_one_by_one``), checked here at a size that
    takes the COPY path."""

    def batch(n: int, prefix: str, run: str) -> list[ReportInput]:
        return [
            ReportInput(
                channel=Channel.COMPANY_API,
                concern=Concern.CSAM,
                external_id=f"{prefix}{i}-{run}",
                child_in_danger=i % 3 == 0,
                urls=[f"http://{prefix}{i}.example.test/"],
                files=[FileInput(md5=hashlib.md5(f"{prefix}{i}".encode()).hexdigest())],  # noqa: S324
            )
            for i in range(n)
        ]

    def again(n: int, prefix: str) -> int:
        file_reports(batch(n, prefix, "first"), actor=None)
        with CaptureQueriesContext(connection) as captured:
            file_reports(batch(n, prefix, "again"), actor=None)
        return len(captured)

    again(COPY_FROM, "warm")
    few, many = again(COPY_FROM, "a"), again(5 * COPY_FROM, "b")
    if connection.vendor == "postgresql":
        assert many == few
    else:  # SQLite splits multi-row INSERTs at its 999-parameter limit; per item: 5 each
        assert many < COPY_FROM
    item = Item.objects.get(canonical_url="http://b0.example.test/")
    assert (item.report_count, item.urgent, item.priority) == (2, True, compute_priority(item))
    assert Item.objects.get(canonical_url="http://b1.example.test/").urgent is False
    assert Item.objects.filter(report_count=2).count() == 2 * (7 * COPY_FROM)


# 2 runs: one multi-row INSERT; 2 * COPY_FROM: COPY on PostgreSQL (UUID ids, auto_now_add).
@pytest.mark.parametrize("runs", [2, 2 * COPY_FROM])
def test_enqueue_many_writes_what_enqueue_writes(runs: int) -> None:
    single = enrich_item.enqueue(item_id=0).db_result  # type: ignore[attr-defined]
    enqueue_many(enrich_item, [{"item_id": n} for n in range(1, runs + 1)])

    rows = list(DBTaskResult.objects.order_by("args_kwargs__kwargs__item_id"))
    fields = (
        "status",
        "priority",
        "task_path",
        "queue_name",
        "run_after",
        "backend_name",
        "worker_ids",
        "return_value",
        "started_at",
        "exception_class_path",
    )
    assert [r.args_kwargs for r in rows] == [
        {"args": [], "kwargs": {"item_id": n}} for n in range(runs + 1)
    ]
    for row in rows:
        assert [getattr(row, f) for f in fields] == [getattr(single, f) for f in fields]
        assert row.enqueued_at >= single.enqueued_at
    assert len({r.id for r in rows}) == runs + 1


def test_enqueue_many_sends_task_enqueued_to_listeners() -> None:
    seen: list[int] = []

    def listener(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append(task_result.kwargs["item_id"])

    enqueue_many(enrich_item, [{"item_id": 1}])  # only the library's debug line listens
    task_enqueued.connect(listener)
    try:
        enqueue_many(enrich_item, [{"item_id": n} for n in (2, 3)])
    finally:
        task_enqueued.disconnect(listener)
    assert seen == [2, 3]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"item_id": 7},
        {"item_id": 7, "reason": "x", "ratio": 0.5, "urgent": True, "none": None},
        {"ids": (1, 2), "nested": {"a": [b"b"]}},  # not scalars: the library's walk
        {},
    ],
)
def test_enqueue_many_stores_the_arguments_as_the_library_normalises_them(
    kwargs: dict[str, Any],
) -> None:
    from django_tasks_db.compat import normalize_json

    from hotline.core.enqueue import _normalized

    assert _normalized(kwargs) == normalize_json({"args": (), "kwargs": kwargs})
