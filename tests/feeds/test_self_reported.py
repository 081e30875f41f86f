"""The self-reported hash list on every feed: its own scope, the changes endpoint, CSV/VICS,
TAXII; withdrawal as removal that never comes back; platforms reporting removals."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.models import Scope
from hotline.audit.models import AuditEvent
from hotline.feeds.models import Entry, EntryKind, FeedList
from hotline.matching import self_submitted
from hotline.matching.models import PlatformRemovalReport
from tests.conftest import World
from tests.feeds.conftest import Consumer, confirmed_file, consumer
from tests.matching.self_submissions import image, submit, video

pytestmark = pytest.mark.django_db

COLLECTION = "5e1f7a2c-3d0b-4c8e-9a61-7b2f0c4d9e13"


@pytest.fixture
def platform(world: World) -> Consumer:
    return consumer(
        "Platform",
        Scope.FEED_SELF_REPORTED,
        Scope.SELF_REPORTED_REMOVALS,
        Scope.FEED_TAXII,
        kind="industry",
    )


def _get(who: Consumer, name: str, **params: Any) -> Any:
    client, headers = who.client()
    return client.get(reverse(name), params, **headers)


def _changes(who: Consumer, since: int) -> dict[str, Any]:
    response = _get(who, "api_feeds_self_reported_changes", since=since)
    assert response.status_code == 200, response.content
    return dict(json.loads(response.content))


def test_changes_list_each_file_with_its_hashes_and_category(
    world: World, platform: Consumer
) -> None:
    photo = image(quality=88)
    clip = video(frames=2)
    submit(photo, clip)

    page = _changes(platform, 0)

    assert (page["list"], page["serial"], page["removed"]) == ("self_reported", 2, [])
    assert [
        (a["category"], a["hashes"].get("md5"), a["hashes"].get("pdq"), a["pdq_quality"])
        for a in page["added"]
    ] == [
        ("self_reported", photo["md5"], photo["pdq"], 88),
        ("self_reported", clip["md5"], None, None),
    ]
    frames = json.loads(page["added"][1]["hashes"]["vpdq"])
    assert frames == [f"{f['pdq']},80,{f['seconds']:.3f}" for f in clip["vpdq"]]


def test_withdrawal_is_a_removal_and_never_reappears(world: World, platform: Consumer) -> None:
    done = submit(image(), image())
    other = submit(image())
    first = _changes(platform, 0)
    ids = [added["id"] for added in first["added"]]

    self_submitted.withdraw_self_submission(done.submission)
    self_submitted.withdraw_self_submission(done.submission)  # twice: still one removal each
    after = _changes(platform, first["serial"])
    from_scratch = _changes(platform, 0)

    assert [(r["id"], r["reason"]) for r in after["removed"]] == [
        (ids[0], "withdrawn"),
        (ids[1], "withdrawn"),
    ]
    assert after["added"] == []
    assert [added["id"] for added in from_scratch["added"]] == [ids[2]]
    assert (
        Entry.objects.filter(kind=EntryKind.SELF_REPORTED_FILE, removed_serial__isnull=True).count()
        == 1
    )
    assert other.submission.state == "distributed"


def test_held_requests_are_not_distributed_until_released(
    world: World, platform: Consumer, settings: Any, tmp_path: Any
) -> None:
    path = tmp_path / "benign.txt"
    path.write_text("e" * 32 + "\n")
    settings.SELF_REPORT_ALLOWLIST_FILE = str(path)
    held = submit(image(md5="e" * 32))

    assert _changes(platform, 0)["added"] == []
    self_submitted.release_self_submission(held.submission, acting_user=world.charlie)
    assert [a["hashes"]["md5"] for a in _changes(platform, 0)["added"]] == ["e" * 32]


def test_csv_and_vics_carry_the_hashes_uncategorised(world: World, platform: Consumer) -> None:
    photo = image()
    submit(photo)

    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    _get(platform, "api_feeds_self_reported", format="csv").streaming_content
                ).decode()
            )
        )
    )
    vics = json.loads(
        b"".join(_get(platform, "api_feeds_self_reported", format="vics").streaming_content)
    )

    assert sorted((row["algorithm"], row["value"], row["category"]) for row in rows) == sorted(
        [("md5", photo["md5"], "self_reported"), ("pdq", photo["pdq"], "self_reported")]
    )
    assert [(m.get("MD5"), m["Category"]) for m in vics["value"] if m.get("MD5")] == [
        (photo["md5"].upper(), 0)
    ]


def test_scopes_keep_the_lists_apart(blocking: World, platform: Consumer) -> None:
    confirmed_file(blocking, md5="1" * 32)
    submit(image())
    hashes_only = consumer("Hasher", Scope.FEED_HASHES, kind="industry")

    assert _get(hashes_only, "api_feeds_self_reported_changes", since=0).status_code == 403
    assert _get(platform, "api_feeds_hashes_changes", since=0).status_code == 403
    confirmed = _get(hashes_only, "api_feeds_hashes_changes", since=0)
    assert [a["hashes"]["md5"] for a in json.loads(confirmed.content)["added"]] == ["1" * 32]


def test_taxii_collection_shows_indicators_and_their_revocation(
    world: World, platform: Consumer
) -> None:
    from hotline.feeds.actions import subscribe
    from hotline.feeds.models import Collection

    photo = image()
    done = submit(photo)
    collection = Collection.objects.get(pk=COLLECTION)
    assert collection.feed_list == FeedList.SELF_REPORTED
    from hotline.accounts.models import ApiCredential

    subscribe(
        ApiCredential.objects.get(organisation=platform.organisation), collection, acting_user=None
    )
    client, headers = platform.client()
    url = reverse("api_feeds_taxii_objects", kwargs={"collection_id": COLLECTION})
    accept = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"}

    listed = json.loads(client.get(url, **headers, **accept).content)["objects"]
    self_submitted.withdraw_self_submission(done.submission)
    revoked = json.loads(client.get(url, {"match[version]": "all"}, **headers, **accept).content)

    indicators = [o for o in listed if o["type"] == "indicator"]
    assert [(o["pattern"], o["x_pdq"], o["labels"]) for o in indicators] == [
        (f"[file:hashes.MD5 = '{photo['md5']}']", photo["pdq"], ["category:self_reported"])
    ]
    assert [o.get("revoked", False) for o in revoked["objects"] if o["type"] == "indicator"] == [
        False,
        True,
    ]


def _report(who: Consumer, body: Any) -> Any:
    client, headers = who.client()
    return client.post(
        reverse("api_feeds_self_reported_removals"),
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_platform_reports_removals_counted_for_the_request(
    world: World, platform: Consumer
) -> None:
    done = submit(image(), image())
    ids = [a["id"] for a in _changes(platform, 0)["added"]]

    assert _report(platform, {"id": ids[0], "removed": 3}).status_code == 201
    assert _report(platform, {"id": f"indicator--{ids[1]}", "removed": 2}).status_code == 201

    assert self_submitted.removals_reported(done.submission) == 5
    assert (
        AuditEvent.objects.filter(action="matching.self_submission.removals_reported").count() == 2
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"id": "nope", "removed": 1}, 422, "id"),
        ({"removed": 1}, 422, "id"),
        ({"id": "00000000-0000-0000-0000-000000000000", "removed": 0}, 422, "removed"),
        ({"id": "00000000-0000-0000-0000-000000000000", "removed": True}, 422, "removed"),
        ({"id": "00000000-0000-0000-0000-000000000000", "removed": 1, "where": "x"}, 422, "where"),
        ({"id": "00000000-0000-0000-0000-000000000000", "removed": 1}, 404, None),
    ],
)
def test_bad_removal_reports_store_nothing(
    world: World, platform: Consumer, body: Any, status: int, field: str | None
) -> None:
    submit(image())

    response = _report(platform, body)

    assert response.status_code == status
    if field:
        assert [e["field"] for e in json.loads(response.content)["errors"]] == [field]
    assert PlatformRemovalReport.objects.count() == 0


def test_removal_reports_need_their_own_scope(world: World) -> None:
    reader = consumer("Reader", Scope.FEED_SELF_REPORTED, kind="industry")
    submit(image())
    entry_id = _changes(reader, 0)["added"][0]["id"]

    assert _report(reader, {"id": entry_id, "removed": 1}).status_code == 403
