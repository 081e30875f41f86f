"""Concurrent company-API requests filed together (group commit) on the production path:
real threads, real transactions, the real ``_file_group``. The first request is held until the
others are queued behind it, so they form one group for certain."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from hotline.audit.models import AuditEvent
from hotline.cases.models import Item, ItemKind, Report
from hotline.core.group_commit import GroupCommit
from hotline.intake import api
from tests.conftest import World
from tests.intake.test_api import report

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 20


class HeldFirst:
    """``api._file_group``, with its first group held until ``others`` requests wait."""

    def __init__(self, others: int) -> None:
        self.others = others
        self.sizes: list[int] = []
        self.combiner: GroupCommit[Any, HttpResponse] = GroupCommit(self, limit=lambda: 64)

    def __call__(self, submissions: Sequence[Any]) -> list[HttpResponse]:
        if not self.sizes:
            deadline = time.monotonic() + SECONDS
            while len(self.combiner._queue) < self.others:
                assert time.monotonic() < deadline, "the other requests did not queue"
                time.sleep(0.002)
        self.sizes.append(len(submissions))
        return api._file_group(submissions)


def _post(world: World, body: dict[str, Any], key: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(
        "/api/v1/reports", data=json.dumps(body), content_type="application/json", **headers
    )


def _post_all(
    world: World, bodies: list[dict[str, Any]], held: HeldFirst, keys: list[str] | None = None
) -> list[Any]:
    answers: list[Any] = [None] * len(bodies)

    def post(i: int) -> None:
        try:
            answers[i] = _post(world, bodies[i], keys[i] if keys else "")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    threads[0].start()
    deadline = time.monotonic() + SECONDS
    while not held.combiner._leading:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(SECONDS)
        assert not thread.is_alive(), "a request was left waiting"
    return answers


def test_group_commit_each_request_gets_its_own_reports_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldFirst(others=6)
    monkeypatch.setattr(api, "_GROUP", held.combiner)
    bodies = [
        {
            "reports": [
                report(f"g{i}-{j}", urls=[f"http://g{i}-{j}.example.test/"]) for j in range(i + 1)
            ]
        }
        for i in range(7)
    ]

    answers = _post_all(world, bodies, held)

    assert held.sizes == [1, 6]
    assert held.combiner.stats.failed_groups == 0
    for i, answer in enumerate(answers):
        assert answer.status_code == 201
        results = answer.json()["reports"]
        assert [r["external_id"] for r in results] == [f"g{i}-{j}" for j in range(i + 1)]
        for r in results:
            stored = Report.objects.get(reference=r["reference"])
            assert stored.external_id == r["external_id"]
            link = stored.report_items.get(item__kind=ItemKind.URL)
            assert link.item.canonical_url == f"http://{r['external_id']}.example.test/"
    assert Report.objects.count() == sum(range(1, 8))
    filed = AuditEvent.objects.filter(action="report.file").count()
    assert filed == Report.objects.count()
    # The file every report names: one item, counted once per report across the requests.
    assert Item.objects.get(kind=ItemKind.FILE).report_count == Report.objects.count()


def test_group_commit_a_clash_inside_the_group_answers_each_request_alone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldFirst(others=4)
    monkeypatch.setattr(api, "_GROUP", held.combiner)
    # Requests 1 and 2 carry the same external id: in one group, the unique constraint
    # refuses the whole group, and each request is then filed alone.
    bodies = [{"reports": [report(name)]} for name in ["first", "twin", "twin", "x", "y"]]

    answers = _post_all(world, bodies, held)

    assert held.sizes == [1, 4]
    assert held.combiner.stats.failed_groups == 1
    results = [a.json()["reports"][0] for a in answers]
    assert sorted(r["result"] for r in results[1:3]) == ["created", "duplicate"]
    assert results[1]["reference"] == results[2]["reference"]
    assert [a.status_code for a in answers[3:]] == [201, 201]
    assert Report.objects.filter(external_id="twin").count() == 1
    assert Report.objects.count() == 4
    assert AuditEvent.objects.filter(action="report.file").count() == 4


def test_group_commit_idempotency_keys_are_stored_and_replayed_inside_the_group(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = {"reports": [report("earlier")]}
    first_answer = _post(world, earlier, key="k-old")
    held = HeldFirst(others=3)
    monkeypatch.setattr(api, "_GROUP", held.combiner)
    bodies = [
        {"reports": [report("filler")]},
        earlier,
        {"reports": [report("new")]},
        {"reports": [report("other")]},
    ]

    answers = _post_all(world, bodies, held, keys=["", "k-old", "k-new", "k-old-2"])

    assert held.sizes == [1, 3]
    assert held.combiner.stats.failed_groups == 0
    assert answers[1].status_code == 201
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert answers[1].json() == first_answer.json()
    assert answers[2].json()["reports"][0]["result"] == "created"
    again = _post(world, bodies[2], key="k-new")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == answers[2].json()
    assert Report.objects.filter(external_id="earlier").count() == 1
    assert Report.objects.count() == 4


def test_group_commit_one_key_twice_in_a_group_stores_one_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldFirst(others=2)
    monkeypatch.setattr(api, "_GROUP", held.combiner)
    body = {"reports": [report("keyed")]}

    answers = _post_all(
        world, [{"reports": [report("filler")]}, body, body], held, keys=["", "k", "k"]
    )

    assert held.combiner.stats.failed_groups == 1
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers[1:]) == ["", "true"]
    assert answers[1].json() == answers[2].json()
    assert Report.objects.filter(external_id="keyed").count() == 1
