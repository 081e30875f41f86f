"""``file_reports`` stores a batch exactly as ``file_report`` one report after another would,
in a constant number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.cases.actions import FileInput, ReportInput, close_item, file_report
from hotline.cases.bulk_intake import file_reports
from hotline.cases.models import Channel, CloseReason, Concern, Item, Report, ReportItem
from hotline.cases.tasks import enrich_item
from hotline.core.enqueue import enqueue_many

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


def _batch() -> list[ReportInput]:
    web = {"channel": Channel.COMPANY_API, "concern": Concern.CSAM}
    return [
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


def test_batch_matches_filing_one_by_one() -> None:
    _arrange()
    one_by_one: dict[str, Any] = {}
    try:  # file one by one, note the outcome, and roll it back
        with transaction.atomic():
            for data in _batch():
                file_report(data, actor=None)
            one_by_one = _state()
            raise _Undo
    except _Undo:
        pass

    filed = file_reports(_batch(), actor=None)

    assert _state() == one_by_one
    assert [len(f.new_items) for f in filed] == [1, 1, 0, 0]
    assert [len(f.known_items) for f in filed] == [2, 2, 1, 0]
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
                files=[FileInput(md5=f"{i:032x}" if prefix == "a" else f"{i + 10**6:032x}")],
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            file_reports(batch, actor=None)
        return len(captured)

    few, many = statements(2, "a"), statements(40, "b")
    if connection.vendor == "postgresql":
        assert many == few
    else:  # SQLite splits multi-row INSERTs at its 999-parameter limit
        assert many < 40


def test_enqueue_many_writes_what_enqueue_writes() -> None:
    single = enrich_item.enqueue(item_id=1).db_result  # type: ignore[attr-defined]
    enqueue_many(enrich_item, [{"item_id": 2}, {"item_id": 3}])

    rows = list(DBTaskResult.objects.order_by("args_kwargs__kwargs__item_id"))
    fields = ("status", "priority", "task_path", "queue_name", "run_after", "backend_name")
    assert [r.args_kwargs for r in rows] == [
        {"args": [], "kwargs": {"item_id": n}} for n in (1, 2, 3)
    ]
    for row in rows:
        assert [getattr(row, f) for f in fields] == [getattr(single, f) for f in fields]
    assert len({r.id for r in rows}) == 3
