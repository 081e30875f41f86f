"""A known video pre-classifies an item as a PDQ match does: a company reports a file by its
MD5, uploads it, and the item's re-enrichment finds the known video by its vPDQ."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

from hotline.audit.models import AuditEvent
from hotline.cases.actions import FileInput, ReportInput, Verdict, assess_item, file_report
from hotline.cases.media import attach_media
from hotline.cases.models import Channel, Concern, Item
from hotline.cases.tasks import enrich_item
from hotline.matching import actions
from hotline.matching.errors import MalformedMedia
from hotline.matching.hashing.vpdq import hash_video
from hotline.matching.models import HashEntry, HashListSource, MediaFile, VideoHash
from hotline.matching.sync import reset_shared_index
from tests.conftest import World, signed_in
from tests.routing.factories import routing_world
from tests.videos import Videos

pytestmark = pytest.mark.django_db

BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


@pytest.fixture(autouse=True)
def _uploads_and_fresh_index(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_UPLOADS = True
    settings.MEDIA_KEYS = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    settings.MEDIA_DIR = str(tmp_path / "media")
    settings.MATCHING_INDEX_REFRESH_SECONDS = 0
    reset_shared_index()


def _reported(data: bytes) -> Item:
    return file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            files=[
                FileInput(
                    md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                    media_type="video/x-matroska",
                )
            ],
        ),
        actor=None,
    ).new_items[0]


def _known_list(videos: Videos) -> None:
    hash_list = actions.create_hash_list(
        name="Known videos", category_mapping={"1": "baseline"}, acting_user=None
    )
    actions.add_video_hash(
        hash_list, features=hash_video(videos.base), category="1", acting_user=None
    )


def test_uploaded_copy_of_a_known_video_is_pre_classified(world: World, videos: Videos) -> None:
    _known_list(videos)
    data = videos.reencoded.read_bytes()
    item = _reported(data)
    enrich_item.call(item_id=item.pk)
    item.refresh_from_db()
    assert item.known_match == {}  # hashes alone: an MD5 nobody knows

    attach_media(item, io.BytesIO(data), actor=world.alice)
    enrich_item.call(item_id=item.pk)

    item.refresh_from_db()
    match = dict(item.known_match)
    assert match.pop("query_match_percent") >= 80.0
    assert match.pop("index_match_percent") > 0.0
    assert match == {
        "list": "Known videos",
        "category": "baseline",
        "algorithm": "vpdq",
        "distance": None,
        "entry_id": match["entry_id"],
        "trust_level": 2,
        "matches": 1,
    }
    stored = VideoHash.objects.get(md5=hashlib.md5(data, usedforsecurity=False).hexdigest())
    assert stored.frame_count == 20
    page = signed_in(world.alice).get(f"/staff/cases/items/{item.pk}/").content.decode()
    assert "Matches list “Known videos” (trust " in page
    assert "video frames matched by vPDQ, classified" in page
    assert "Matched by vPDQ: " in page
    assert f"Matched by vPDQ: {item.known_match['query_match_percent']} % of this video" in page
    assert AuditEvent.objects.filter(action="matching.video_hashed").count() == 1


def test_uploaded_unrelated_video_stays_new_material(world: World, videos: Videos) -> None:
    _known_list(videos)
    data = videos.life.read_bytes()
    item = _reported(data)

    attach_media(item, io.BytesIO(data), actor=world.alice)
    enrich_item.call(item_id=item.pk)

    item.refresh_from_db()
    assert item.known_match == {}


def test_an_undecodable_video_upload_stores_nothing(world: World, tmp_path: Path) -> None:
    data = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 20
    item = _reported(data)

    with pytest.raises(MalformedMedia):
        attach_media(item, io.BytesIO(data), actor=world.alice)

    assert (MediaFile.objects.count(), VideoHash.objects.count()) == (0, 0)


def test_a_confirmed_video_goes_on_the_own_list_by_vpdq_and_its_copies_match_it(
    world: World, videos: Videos
) -> None:
    routing_world()
    original = videos.base.read_bytes()
    first = _reported(original)
    attach_media(first, io.BytesIO(original), actor=world.alice)
    assess_item(first, BASELINE, acting_user=world.alice)
    own = HashEntry.objects.get(hash_list__source=HashListSource.OWN, algorithm="vpdq")
    copy = videos.trimmed.read_bytes()
    later = _reported(copy)

    attach_media(later, io.BytesIO(copy), actor=world.alice)
    enrich_item.call(item_id=later.pk)

    later.refresh_from_db()
    assert own.value == hashlib.md5(original, usedforsecurity=False).hexdigest()
    assert own.vpdq_frames.count() == 20
    assert (later.known_match["algorithm"], later.known_match["entry_id"]) == ("vpdq", own.pk)
    assert later.known_match["query_match_percent"] == 100.0
