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
