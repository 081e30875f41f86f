"""Staff search: each kind of query finds what it names, and only what the role may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.cases.actions import ReportInput, file_report, record_enrichment
from hotline.cases.models import Channel, Concern, Item
from hotline.routing import actions as routing_actions
from hotline.routing.models import PoliceUnit, Referral
from hotline.site.search import Kind, classify
from tests.conftest import World, signed_in
from tests.factories import (
    FileItemFactory,
    ItemFactory,
    ReferralFactory,
    file_hashes,
    routing_world,
)
from tests.querycount import fresh, queries_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("HL-2026-ABCD", Kind.REFERENCE),
        ("http://site.example.test/a", Kind.URL),
        ("site.example.test/a?b=1", Kind.URL),
        ("site.example.test", Kind.HOST),
        ("192.0.2.10", Kind.IP),
        ("2001:db8::1", Kind.IP),
        ("192.0.2.0/24", Kind.NETWORK),
        ("2001:db8::/32", Kind.NETWORK),
        ("a" * 32, Kind.HASH),
        ("b" * 64, Kind.HASH),
        ("Example Host", Kind.TEXT),
        ("abuse@host.example.test", Kind.TEXT),
        ("PARTNER-REF-7", Kind.TEXT),
    ],
)
def test_query_kind_is_read_from_its_shape(query: str, kind: Kind) -> None:
    assert classify(query) == kind


def _found(user: Any, query: str) -> dict[str, list[int]]:
    results = signed_in(user).get(reverse("search"), {"q": query}).context["results"]
    return {
        "items": [i.pk for i in results.items],
        "referrals": [r.pk for r in results.referrals],
        "notices": [n.pk for n in results.notices],
        "providers": [p.pk for p in results.providers],
        "reports": [r.pk for r in results.reports],
    }


def test_search_finds_items_by_url_host_domain_ip_network_and_hash(world: World) -> None:
    page = ItemFactory.create(url="http://www.gallery.example.test/a", hosted_in="DE")
    ItemFactory.create(url="http://other.example.test/b")  # a decoy no query here names
    file = FileItemFactory.create()

    assert _found(world.alice, "HTTP://WWW.gallery.example.test/a")["items"] == [page.pk]
    assert _found(world.alice, "www.gallery.example.test")["items"] == [page.pk]
    assert _found(world.alice, "gallery.example.test")["items"] == [page.pk]
    assert _found(world.alice, "192.0.2.10")["items"] == [page.pk]
    assert _found(world.alice, "192.0.2.0/28")["items"] == [page.pk]
    assert _found(world.alice, "198.51.100.0/24")["items"] == []
    assert _found(world.alice, file.sha256.upper())["items"] == [file.pk]
    assert _found(world.alice, file.md5)["items"] == [file.pk]


def test_search_finds_a_report_by_reference_and_a_company_report_by_its_id(
    world: World,
) -> None:
    from dataclasses import replace

    filed = file_report(
        replace(
            ReportInput(
                channel=Channel.COMPANY_API, concern=Concern.CSAM, urls=["http://c.example.test/"]
            ),
            submitted_by=world.hotline_b,
            external_id="ESP-REF-99",
        ),
        actor=None,
    )
    item = filed.new_items[0]

    assert _found(world.alice, filed.report.reference)["items"] == [item.pk]
    assert _found(world.alice, filed.report.reference.lower())["reports"] == [filed.report.pk]
    assert _found(world.alice, "ESP-REF-99")["reports"] == [filed.report.pk]


def test_search_finds_providers_their_notices_and_partner_references(world: World) -> None:
    from hotline.takedown.actions import add_to_notice

    notice_referral = ReferralFactory.create(
        destination="notice", abuse_email="abuse@bighost.example.test"
    )
    notice = add_to_notice(notice_referral.online_item, referral=notice_referral)
    police = Referral.objects.get(item=notice_referral.item, destination="police")
    routing_actions.update_referral(
        police, acting_user=world.alice, status="acknowledged", remote_reference="PV-2026-17"
    )

    by_provider = _found(world.alice, "abuse@bighost.example.test")
    assert by_provider["notices"] == [notice.pk]
    assert by_provider["referrals"] == [notice_referral.pk]
    assert len(by_provider["providers"]) == 1
    assert _found(world.alice, "PV-2026-17")["referrals"] == [police.pk]


def test_liaison_finds_only_their_referrals_and_no_case_data(world: World) -> None:
    unit = routing_world().police
    PoliceUnit.objects.filter(pk=unit.pk).update(organisation=world.police)
    referral = ReferralFactory.create(url="http://liaison.example.test/a")
    item = referral.online_item

    assert _found(world.dave, "http://liaison.example.test/a") == {
        "items": [],
        "referrals": [],
        "notices": [],
        "providers": [],
        "reports": [],
    }
    assert _found(world.dave, str(referral.pk))["referrals"] == [referral.pk]
    assert _found(world.alice, "http://liaison.example.test/a")["items"] == [item.pk]


def test_partner_staff_and_auditors_cannot_search(world: World) -> None:
    for user in (world.bob, world.frank, world.erin):
        assert signed_in(user).get(reverse("search"), {"q": "x"}).status_code == 403


def test_search_query_count_does_not_grow_with_results(world: World) -> None:
    client = signed_in(world.alice)
    for n in range(3):
        ItemFactory.create(url=f"http://many.example.test/{n}", hosted_in="DE")
    page = fresh(lambda: client.get(reverse("search"), {"q": "many.example.test"}))
    page()
    few = queries_of(page)

    for n in range(3, 30):
        ItemFactory.create(url=f"http://many.example.test/{n}", hosted_in="DE")

    assert queries_of(page) == few
    assert Item.objects.filter(host="many.example.test").count() == 30


def test_file_hash_search_finds_a_matched_file(world: World) -> None:
    hashes = file_hashes(500)
    item = FileItemFactory.create(hashes=hashes)
    record_enrichment(item, known_match={"list": "L", "category": "baseline"})

    assert _found(world.charlie, hashes.sha1)["items"] == [item.pk]
