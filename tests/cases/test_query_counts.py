"""The triage queue runs the same number of queries for 3 items as for 30 (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.cases.actions import claim_item
from tests.conftest import World, signed_in
from tests.factories import ItemFactory
from tests.querycount import fresh, queries_of

pytestmark = pytest.mark.django_db


def _queue_items(world: World, count: int) -> None:
    """``count`` reported pages, every other one claimed by Alice (the queue names the holder)."""
    for n in range(count):
        item = ItemFactory.create(child_in_danger=n % 3 == 0)
        if n % 2 == 0:
            claim_item(item, acting_user=world.alice)


def test_triage_queue_query_count_does_not_grow_with_items(
    world: World, django_assert_num_queries: Any
) -> None:
    client = signed_in(world.alice)
    _queue_items(world, 3)
    page = fresh(lambda: client.get(reverse("cases:queue")))
    page()  # the first request of a session does one-off work
    few = queries_of(page)

    _queue_items(world, 27)

    with django_assert_num_queries(few):
        response = page()
    assert (
        response.content.decode().count("held by alice") == 16
    )  # 2 of the first 3, 14 of the next 27  # type: ignore[attr-defined]
    assert response.content.decode().count("<tr") == 31  # type: ignore[attr-defined]


def test_filtered_queue_query_count_does_not_grow_with_items(world: World) -> None:
    client = signed_in(world.alice)
    query = {"concern": "csam", "source": "public_web", "matched": "no", "sort": "oldest"}
    _queue_items(world, 3)
    page = fresh(lambda: client.get(reverse("cases:queue"), query))
    page()
    few = queries_of(page)

    _queue_items(world, 27)

    assert queries_of(page) == few
    assert len(page().context["items"]) == 30  # type: ignore[attr-defined]


def test_confirmations_query_count_does_not_grow_with_pending_verdicts(
    world: World, settings: object
) -> None:
    from hotline.cases.actions import Verdict, assess_item

    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    client = signed_in(world.charlie)

    def pending(count: int) -> None:
        for _ in range(count):
            item = ItemFactory.create(hosted_in="DE")
            assess_item(item, Verdict(legality="not_illegal"), acting_user=world.alice)

    pending(2)
    page = fresh(lambda: client.get(reverse("cases:confirmations")))
    page()
    few = queries_of(page)

    pending(10)

    assert queries_of(page) == few
    assert len(page().context["pending"]) == 12  # type: ignore[attr-defined]
