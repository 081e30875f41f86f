"""Access-matrix rows for the feeds app's URLs (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from hotline.cases.actions import ReportInput, file_report
from hotline.cases.models import Channel, Concern
from hotline.feeds import actions
from hotline.routing.models import JurisdictionProfile
from tests.access import Row, api, everyone, staff
from tests.conftest import World

BLOCKLIST = "99507c8a-2614-4a65-8ea7-8495158113f0"


def _domain(world: World) -> Any:
    JurisdictionProfile.objects.get_or_create(country="FR", defaults={"blocking_allowed": True})
    return actions.mark_domain_dedicated(
        "matrix.example.test", reason="matrix", acting_user=world.alice
    )


def _entry(world: World) -> dict[str, Any]:
    return {"pk": _domain(world).pk}


def _item(world: World) -> dict[str, Any]:
    filed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://feeds.example.test/a"]
        ),
        actor=None,
    )
    return {"item_pk": filed.new_items[0].pk}


def _object(world: World) -> dict[str, Any]:
    return {"collection_id": BLOCKLIST, "object_id": f"indicator--{_domain(world).stix_id}"}


ROWS: dict[str, Row] = {
    "feeds:blocklist": Row(staff("alice", "charlie")),
    "feeds:lift": Row(staff("alice", "charlie"), kwargs=_entry),
    "feeds:domains": Row(staff("alice", "charlie")),
    "feeds:indicators": Row(staff("alice", "charlie"), kwargs=_item),
    "feeds:stop_page": Row(everyone()),
    # The "feed" persona's token carries feed:rpz only.
    "api_feeds_rpz": Row(api(feed=200)),
    "api_feeds_urls": Row(api()),
    "api_feeds_urls_delta": Row(api()),
    "api_feeds_payment": Row(api()),
    "api_feeds_payment_delta": Row(api()),
    "api_feeds_phone": Row(api()),
    "api_feeds_phone_delta": Row(api()),
    "api_feeds_hashes": Row(api()),
    "api_feeds_hashes_changes": Row(api()),
    "api_feeds_self_reported": Row(api()),
    "api_feeds_self_reported_changes": Row(api()),
    "api_feeds_self_reported_removals": Row(api(), method="post"),
    "api_feeds_taxii_discovery": Row(api()),
    "api_feeds_taxii_root": Row(api()),
    "api_feeds_taxii_collections": Row(api()),
    "api_feeds_taxii_collection": Row(api(), kwargs={"collection_id": BLOCKLIST}),
    "api_feeds_taxii_objects": Row(api(), kwargs={"collection_id": BLOCKLIST}),
    "api_feeds_taxii_manifest": Row(api(), kwargs={"collection_id": BLOCKLIST}),
    "api_feeds_taxii_object": Row(api(), kwargs=_object),
    "api_feeds_taxii_versions": Row(api(), kwargs=_object),
}
