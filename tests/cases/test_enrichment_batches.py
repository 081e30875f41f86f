"""Enriching the items of a worker's claimed batch together: the same outcome as one item at a
time, each item once with its own audit event, one bad item failing alone, and a number of
statements that does not grow with the batch."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.models import Channel, Concern, Item
from hotline.cases.tasks import enrich_item, enrich_items
from tests.core.test_worker_batches import _worker

pytestmark = pytest.mark.django_db

# One known file for each of two sets of reports (a known file filed twice is one item).
KNOWN = {"single": "e" * 64, "batch": "d" * 64}


@pytest.fixture(autouse=True)
def _network_and_list(settings: Any) -> None:
    from hotline.matching.actions import create_hash_list, import_hash_list
    from hotline.matching.sync import reset_shared_index

    settings.HOSTING_STATIC_HOSTS = {
        "images.example.test": ["192.0.2.10"],
        "files.example.test": ["192.0.2.20", "198.51.100.7"],
    }
    settings.HOSTING_STATIC_IPS = {
        "192.0.2.0/24": {"country": "DE", "asn": 64501, "as_org": "Synthetic Hosting"},
        "198.51.100.0/24": {"country": "US", "asn": 13335, "as_org": "CLOUDFLARENET"},
    }
    settings.HOSTING_RDAP_URL = ""
    settings.MATCHING_INDEX_REFRESH_SECONDS = 0
    reset_shared_index()
    hash_list = create_hash_list(
        name="Partner list", category_mapping={"1": "baseline"}, acting_user=None
    )
    rows = "".join(f"sha256,{value},1\n" for value in KNOWN.values())
    csv = f"algorithm,value,category\n{rows}".encode()
    import_hash_list(hash_list, io.BytesIO(csv), format_name="csv", acting_user=None)


def _file(tag: str, count: int) -> list[Item]:
    """``count`` reports, each with a web address (on two hosts in turn) and a file, the
    first file on the list: 2 ``count`` new items, in filing order."""
    items: list[Item] = []
    for n in range(count):
        host = ("images", "files")[n % 2]
        sha256 = KNOWN[tag] if n == 0 else hashlib.sha256(f"{tag}-{n}".encode()).hexdigest()
        items += file_report(
            ReportInput(
                channel=Channel.COMPANY_API,
                concern=Concern.CSAM,
                urls=[f"http://{host}.example.test/{tag}/{n}"],
                files=[FileInput(sha256=sha256)],
            ),
            actor=None,
        ).new_items
    return items


def _outcome(item: Item) -> dict[str, Any]:
    """What enrichment decided about an item, without its ids and times."""
    item.refresh_from_db()
    match = dict(item.known_match)
    match.pop("entry_id", None)
    trace = item.hosting_trace
    return {
        "kind": item.kind,
        "enriched": item.enriched_at is not None,
        "priority": item.priority,
        "known_match": match,
        "hosting_country": item.hosting_country,
        "addresses": (
            list(trace.observations.order_by("position").values_list("ip", "country", "is_cdn"))
            if trace
            else None
        ),
    }


def _enrich_events(items: list[Item]) -> dict[str, int]:
    ids = [str(item.pk) for item in items]
    events = AuditEvent.objects.filter(action="item.enrich", object_id__in=ids)
    return {pk: events.filter(object_id=pk).count() for pk in ids}


def test_batch_enrichment_decides_what_one_at_a_time_does() -> None:
    one_by_one = _file("single", 4)
    batch = _file("batch", 4)
    for item in one_by_one:
        enrich_item.call(item_id=item.pk)

    done = enrich_items([item.pk for item in batch])

    assert done == [["hosting"], ["known_material"]] * 4
    assert [_outcome(item) for item in batch] == [_outcome(item) for item in one_by_one]
    assert _outcome(batch[1])["known_match"]["list"] == "Partner list"
    assert _outcome(batch[0])["addresses"] == [("192.0.2.10", "DE", False)]
    assert _enrich_events(batch) == dict.fromkeys(_enrich_events(batch), 1)
    assert AuditEvent.objects.filter(action="hosting.trace").count() == 8


def test_batch_rerun_leaves_the_same_outcome() -> None:
    items = _file("batch", 3)
    enrich_items([item.pk for item in items])
    first = [_outcome(item) for item in items]

    enrich_items([item.pk for item in reversed(items)])

    assert [_outcome(item) for item in items] == first
    assert _enrich_events(items) == {str(item.pk): 2 for item in items}  # each run audited


def test_batch_skips_deleted_items_and_repeated_ids() -> None:
    items = _file("batch", 2)
    gone = items[2].pk
    Item.objects.filter(pk=gone).delete()

    done = enrich_items([items[0].pk, gone, items[0].pk, items[1].pk])

    assert done == [["hosting"], [], ["hosting"], ["known_material"]]
    assert _enrich_events([items[0], items[1]]) == {str(items[0].pk): 1, str(items[1].pk): 1}


def test_batch_enrichment_statements_do_not_grow_with_the_batch(settings: Any) -> None:
    from hotline.matching.sync import shared_index

    small, large = _file("single", 2), _file("batch", 6)  # the same mix of items
    settings.MATCHING_INDEX_REFRESH_SECONDS = 3600
    shared_index()  # loaded now, not refreshed during the counts

    with CaptureQueriesContext(connection) as for_small:
        enrich_items([item.pk for item in small])
    with CaptureQueriesContext(connection) as for_large:
        enrich_items([item.pk for item in large])

    assert len(for_large) == len(for_small) == 14


@pytest.mark.django_db(transaction=True)
def test_worker_enriches_a_batch_each_item_once() -> None:
    items = _file("batch", 5)

    _worker("w-enrich", batch=True).run()

    tasks = DBTaskResult.objects.filter(task_path=enrich_item.module_path)
    assert (
        sorted((t.status, len(t.worker_ids)) for t in tasks)
        == [(TaskResultStatus.SUCCESSFUL, 1)] * 10
    )
    assert all(_outcome(item)["enriched"] for item in items)
    assert _enrich_events(items) == {str(item.pk): 1 for item in items}


@pytest.mark.django_db(transaction=True)
def test_one_bad_item_in_a_batch_fails_alone() -> None:
    items = _file("batch", 3)
    bad = items[2]  # a web address whose host no lookup accepts
    Item.objects.filter(pk=bad.pk).update(host="bad/host.example.test")

    _worker("w-bad", batch=True).run()

    good = [item for item in items if item.pk != bad.pk]
    assert all(_outcome(item)["enriched"] for item in good)
    assert _enrich_events(good) == {str(item.pk): 1 for item in good}
    assert _outcome(bad)["enriched"] is False
    assert _enrich_events([bad]) == {str(bad.pk): 0}
    task = DBTaskResult.objects.get(args_kwargs__kwargs__item_id=bad.pk)
    # failed once, queued again with backoff
    assert (task.status, task.worker_ids) == (TaskResultStatus.READY, ["w-bad"])
    assert task.run_after > timezone.now()
