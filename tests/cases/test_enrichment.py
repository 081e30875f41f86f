from __future__ import annotations

import pytest

from hotline.cases.actions import FileInput, ReportInput, file_report
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
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://images.example.test/1"]
        ),
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
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://images.example.test/1"]
        ),
        actor=None,
    ).new_items[0]
    enrich_item.call(item_id=item.pk)

    html = signed_in(world.alice).get(f"/staff/cases/items/{item.pk}/").content.decode()

    assert "Hosting country: DE." in html
    assert "AS64501 Synthetic Hosting" in html


def test_enrichment_of_a_deleted_item_is_a_no_op() -> None:
    assert enrich_item.call(item_id=999999) == []
    assert Item.objects.count() == 0


def _known_list(settings: object) -> None:
    import io

    from hotline.matching.actions import create_hash_list, import_hash_list
    from hotline.matching.sync import reset_shared_index

    settings.MATCHING_INDEX_REFRESH_SECONDS = 0  # type: ignore[attr-defined]
    reset_shared_index()
    hash_list = create_hash_list(
        name="Partner list", category_mapping={"1": "baseline"}, acting_user=None
    )
    csv = f"algorithm,value,category\nsha256,{'e' * 64},1\n".encode()
    import_hash_list(hash_list, io.BytesIO(csv), format_name="csv", acting_user=None)


def test_file_matching_a_hash_list_is_preclassified_and_ranked_as_known(
    world: World, settings: object
) -> None:
    _known_list(settings)
    filed = file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            files=[FileInput(sha256="e" * 64), FileInput(sha256="f" * 64)],
        ),
        actor=None,
    )
    known, unknown = filed.new_items

    enrich_item.call(item_id=known.pk)
    enrich_item.call(item_id=unknown.pk)

    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.known_match["list"] == "Partner list"
    assert known.known_match["category"] == "baseline"
    assert known.known_match["distance"] == 0
    assert unknown.known_match == {}
    assert known.priority < unknown.priority  # never-seen material is looked at first
