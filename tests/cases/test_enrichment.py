from __future__ import annotations

import pytest

from hotline.cases.actions import ReportInput, file_report
from hotline.cases.models import Channel, Concern, Item
from hotline.cases.tasks import enrich_item
from tests.conftest import World, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _network(settings: object) -> None:
    settings.HOSTING_STATIC_HOSTS = {"images.example.test": ["192.0.2.10"]}  # type: ignore[attr-defined]
    settings.HOSTING_STATIC_IPS = {  # type: ignore[attr-defined]
        "192.0.2.0/24": {"country": "DE", "asn": 64501, "as_org": "Synthetic Hosting"}
    }


def test_enrichment_records_the_hosting_country(world: World) -> None:
    item = file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://images.example.test/1"]),
        actor=None,
    ).new_items[0]

    done = enrich_item.call(item_id=item.pk)

    item.refresh_from_db()
    assert done == ["hosting"]
    assert item.hosting_country == "DE"
    assert item.enriched_at is not None
    assert [str(o.ip) for o in item.hosting_trace.observations.all()] == ["192.0.2.10"]  # type: ignore[union-attr]


def test_item_page_shows_the_trace(world: World) -> None:
    item = file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://images.example.test/1"]),
        actor=None,
    ).new_items[0]
    enrich_item.call(item_id=item.pk)

    html = signed_in(world.alice).get(f"/staff/cases/items/{item.pk}/").content.decode()

    assert "Hosting country: DE." in html
    assert "AS64501 Synthetic Hosting" in html


def test_enrichment_of_a_deleted_item_is_a_no_op() -> None:
    assert enrich_item.call(item_id=999999) == []
    assert Item.objects.count() == 0


