"""A confirmed video travels with its vPDQ on every hash feed: CSV and VICS downloads, the
change feed for python-threatexchange/HMA (its vpdq signal string), TAXII (``x_vpdq``), and
leaves them all when it is lifted."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.models import Scope
from hotline.feeds import actions
from hotline.feeds.models import Entry
from hotline.matching.actions import remember_video_hash
from hotline.matching.vpdq.features import VpdqFeature, parse, to_lines
from tests.conftest import World
from tests.feeds.conftest import Consumer, confirmed_file, consumer
from tests.feeds.test_taxii import HASHES, _reader, _taxii, _validate

pytestmark = pytest.mark.django_db

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
FRAMES = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(25, 90, PDQ_B, 1.0))
VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"


@pytest.fixture
def video(blocking: World) -> Entry:
    remember_video_hash(VIDEO_MD5, FRAMES, actor=None)
    return Entry.objects.get(item=confirmed_file(blocking, md5=VIDEO_MD5))


@pytest.fixture
def sharer(blocking: World) -> Consumer:
    return consumer("Platform", Scope.FEED_HASHES, kind="industry")


def _get(who: Consumer, name: str, **params: Any) -> Any:
    client, headers = who.client()
    response = client.get(reverse(name), params, **headers)
    assert response.status_code == 200, response.content
    return response


def test_a_confirmed_video_is_listed_with_its_frames(video: Entry) -> None:
    assert video.attributes["vpdq"] == to_lines(FRAMES)
    assert video.attributes["md5"] == VIDEO_MD5


def test_csv_download_has_the_video_row_with_its_frames(video: Entry, sharer: Consumer) -> None:
    body = b"".join(_get(sharer, "api_feeds_hashes", format="csv").streaming_content).decode()

    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["algorithm"], r["value"]) for r in rows] == [
        ("vpdq", VIDEO_MD5),
        ("md5", VIDEO_MD5),
    ]
    assert parse(rows[0]["vpdq"].replace(";", "\n")) == FRAMES


def test_vics_download_carries_vpdq_beside_md5(video: Entry, sharer: Consumer) -> None:
    body = b"".join(_get(sharer, "api_feeds_hashes", format="vics").streaming_content)

    media = json.loads(body)["value"]
    assert [(m.get("VPDQID"), m.get("VPDQ"), m.get("MD5")) for m in media] == [
        (VIDEO_MD5, to_lines(FRAMES), None),
        (None, None, VIDEO_MD5.upper()),
    ]


def test_change_feed_gives_threatexchange_its_vpdq_signal_and_the_removal(
    video: Entry, sharer: Consumer, blocking: World
) -> None:
    page = json.loads(_get(sharer, "api_feeds_hashes_changes", since=0).content)

    (added,) = page["added"]
    signal = json.loads(added["hashes"]["vpdq"])
    assert signal == [f"{PDQ_A},100,0.000", f"{PDQ_B},90,1.000"]
    assert added["hashes"]["md5"] == VIDEO_MD5

    actions.lift_entry(video, reason="listed in error", acting_user=blocking.alice)
    later = json.loads(_get(sharer, "api_feeds_hashes_changes", since=page["serial"]).content)

    assert ([r["id"] for r in later["removed"]], later["added"]) == ([str(video.stix_id)], [])


def test_taxii_indicator_carries_x_vpdq_declared_by_its_extension(video: Entry) -> None:
    reader = _reader("hashes")

    body = json.loads(_taxii(reader, "api_feeds_taxii_objects", collection_id=HASHES).content)

    (indicator,) = [obj for obj in body["objects"] if obj["type"] == "indicator"]
    definitions = {
        obj["id"]: obj["extension_properties"]
        for obj in body["objects"]
        if obj["type"] == "extension-definition"
    }
    assert indicator["x_vpdq"] == to_lines(FRAMES)
    assert indicator["pattern"] == f"[file:hashes.MD5 = '{VIDEO_MD5}']"
    assert {definitions[key] == ["x_vpdq"] for key in indicator["extensions"]} == {True}
    assert _validate(body["objects"]) == []
