"""Known videos found by vPDQ through the hash lists and the shared index, on generated videos:
copies that were re-encoded, slightly cropped or trimmed match; unrelated videos do not."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotline.matching import actions
from hotline.matching.hashing import hash_file
from hotline.matching.hashing.vpdq import hash_video
from hotline.matching.index import MatchIndex
from hotline.matching.models import HashEntry, HashList
from hotline.matching.queries import find_video_matches
from hotline.matching.sync import IndexSync
from hotline.matching.vpdq.compare import Thresholds, compare
from hotline.matching.vpdq.features import VpdqFeature
from tests.videos import Videos

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def hashed(videos: Videos) -> dict[str, tuple[VpdqFeature, ...]]:
    names = ["base", "reencoded", "cropped", "heavily_cropped", "trimmed", "life", "cellauto",
             "mandelbrot", "padded"]  # fmt: skip
    return {name: hash_video(getattr(videos, name)) for name in names}


@pytest.fixture
def known(videos: Videos, hashed: dict[str, tuple[VpdqFeature, ...]]) -> HashEntry:
    hash_list = actions.create_hash_list(
        name="Known videos", category_mapping={"1": "baseline"}, acting_user=None
    )
    entry, _ = actions.add_video_hash(
        hash_list,
        features=hashed["base"],
        video_id=hash_file(videos.base, names=["md5"]).values["md5"].value,
        category="1",
        acting_user=None,
    )
    return entry


def _index() -> MatchIndex:
    sync = IndexSync()
    sync.refresh()
    return sync.index


@pytest.mark.parametrize("copy", ["base", "reencoded", "cropped", "trimmed"])
def test_copies_of_a_known_video_match_it(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]], copy: str
) -> None:
    matches = find_video_matches(hashed[copy], index=_index())

    assert [m.entry.pk for m in matches] == [known.pk]
    assert matches[0].query_percent >= 80.0
    assert matches[0].as_dict()["classification"] == "baseline"


def test_a_trimmed_clip_matches_all_its_frames_and_part_of_the_video(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]]
) -> None:
    (match,) = find_video_matches(hashed["trimmed"], index=_index())

    assert match.query_percent == 100.0
    assert 30.0 <= match.index_percent < 100.0


@pytest.mark.parametrize("other", ["life", "cellauto", "mandelbrot", "heavily_cropped"])
def test_unrelated_videos_and_a_heavy_crop_do_not_match(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]], other: str
) -> None:
    """A 20 % crop defeats PDQ on every frame: PDQ's known limit, not matched."""
    assert find_video_matches(hashed[other], index=_index()) == []


def test_a_clip_padded_with_other_content_needs_a_lower_query_share(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]]
) -> None:
    shares = compare(hashed["padded"], hashed["base"], distance=31, min_quality=50)
    strict = Thresholds(distance=31, min_quality=50, query_percent=80, index_percent=0)
    lenient = Thresholds(distance=31, min_quality=50, query_percent=40, index_percent=30)

    assert 40.0 <= shares.query_percent < 80.0
    assert find_video_matches(hashed["padded"], index=_index(), thresholds=strict) == []
    assert len(find_video_matches(hashed["padded"], index=_index(), thresholds=lenient)) == 1


def test_share_thresholds_from_settings_are_inclusive(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]], settings: Any
) -> None:
    share = compare(hashed["trimmed"], hashed["base"], distance=31, min_quality=50)
    index = _index()

    settings.VPDQ_INDEX_MATCH_PERCENT = math.floor(share.compared_percent)
    assert len(find_video_matches(hashed["trimmed"], index=index)) == 1
    settings.VPDQ_INDEX_MATCH_PERCENT = math.floor(share.compared_percent) + 1
    assert find_video_matches(hashed["trimmed"], index=index) == []


def test_frame_distance_setting_bounds_what_counts_as_a_matched_frame(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]], settings: Any
) -> None:
    settings.VPDQ_MAX_DISTANCE = 0

    assert find_video_matches(hashed["reencoded"], index=_index()) == []
    assert len(find_video_matches(hashed["base"], index=_index())) == 1


def test_a_disabled_list_or_removed_video_no_longer_matches(
    known: HashEntry, hashed: dict[str, tuple[VpdqFeature, ...]]
) -> None:
    sync = IndexSync()
    sync.refresh()
    hash_list = HashList.objects.get(pk=known.hash_list_id)

    actions.set_hash_list_enabled(hash_list, enabled=False, acting_user=None)
    assert find_video_matches(hashed["base"], index=sync.index) == []
    actions.set_hash_list_enabled(hash_list, enabled=True, acting_user=None)
    sync.refresh()
    assert len(find_video_matches(hashed["base"], index=sync.index)) == 1
    actions.remove_entries(hash_list, values=[known.value], acting_user=None)
    sync.refresh()
    assert sync.index.vpdq.search(hashed["base"]) == []
