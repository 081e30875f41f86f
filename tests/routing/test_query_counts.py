"""Referral lists run the same number of queries for few referrals as for many (no N+1):
the supervisors' list (police, notices, partner forwards, blocklist) and a police liaison's."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.routing.models import PoliceUnit, Referral
from tests.conftest import World, signed_in
from tests.factories import AssessedItemFactory, routing_world
from tests.querycount import fresh, queries_of

pytestmark = pytest.mark.django_db


def _referred(world: World, count: int) -> None:
    """``count`` assessed pages, alternately hosted at home (FR: police, notice, blocklist) and
    at the partner's (DE: partner forward, blocklist)."""
    for n in range(count):
        AssessedItemFactory.create(hosted_in="FR" if n % 2 else "DE", analyst=world.alice)


def test_supervisor_referral_list_query_count_does_not_grow(
    world: World, django_assert_num_queries: Any
) -> None:
    routing_world()
    client = signed_in(world.charlie)
    _referred(world, 2)
    page = fresh(lambda: client.get(reverse("routing:referrals")))
    page()
    few = queries_of(page)

    _referred(world, 20)

    with django_assert_num_queries(few):
        response = page()
    shown = response.content.decode().count('<tr><td><a href="')  # type: ignore[attr-defined]
    assert shown == Referral.objects.count() > 40


def test_police_liaison_referral_list_query_count_does_not_grow(
    world: World, django_assert_num_queries: Any
) -> None:
    police = routing_world(police_first_hours=48).police
    PoliceUnit.objects.filter(pk=police.pk).update(organisation=world.police)
    client = signed_in(world.dave)
    _referred(world, 2)
    page = fresh(lambda: client.get(reverse("routing:referrals")))
    page()
    few = queries_of(page)

    _referred(world, 20)

    with django_assert_num_queries(few):
        response = page()
    # Dave sees his unit's police referrals and the notices held for FR: two per FR page.
    shown = response.content.decode().count('<tr><td><a href="')  # type: ignore[attr-defined]
    assert shown == 2 * 11
