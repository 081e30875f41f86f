"""vPDQ matching on synthetic frames: HMA's shares, the distance and quality boundaries, and
the index agreeing with brute force."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.matching.vpdq.compare import Thresholds, compare
from hotline.matching.vpdq.features import VpdqFeature
from hotline.matching.vpdq.index import IndexedFrame, VideoHit, VpdqIndex


def _hash(rng: random.Random) -> int:
    return rng.getrandbits(256)


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value


def _frames(values: list[int], quality: int = 100) -> list[VpdqFeature]:
    return [VpdqFeature(n, quality, f"{v:064x}", float(n)) for n, v in enumerate(values)]


def _indexed(frames: list[VpdqFeature], first_key: int) -> list[IndexedFrame]:
    return [IndexedFrame(first_key + n, f.pdq, f.quality) for n, f in enumerate(frames)]


RNG = random.Random(13)
KNOWN = [_hash(RNG) for _ in range(10)]


def test_a_clip_matches_all_its_frames_and_part_of_the_known_video() -> None:
    clip = _frames([_flip(v, 8, RNG) for v in KNOWN[2:6]])

    result = compare(clip, _frames(KNOWN), distance=31, min_quality=50)

    assert (result.query_percent, result.compared_percent) == (100.0, 40.0)


def test_frame_distance_threshold_is_inclusive() -> None:
    near = _frames([_flip(KNOWN[0], 31, RNG)])
    far = _frames([_flip(KNOWN[0], 32, RNG)])

    assert compare(near, _frames(KNOWN[:1]), distance=31, min_quality=50).query_percent == 100.0
    assert compare(far, _frames(KNOWN[:1]), distance=31, min_quality=50).query_percent == 0.0


def test_low_quality_frames_are_left_out_on_both_sides() -> None:
    known = [*_frames(KNOWN[:2]), VpdqFeature(2, 49, f"{KNOWN[2]:064x}", 2.0)]
    query = [*_frames(KNOWN[:1]), VpdqFeature(1, 49, f"{KNOWN[2]:064x}", 1.0)]

    result = compare(query, known, distance=31, min_quality=50)

    # query: 1 usable frame, matched; known: 2 usable frames, one matched
    assert (result.query_percent, result.compared_percent) == (100.0, 50.0)


def test_repeated_frames_count_once() -> None:
    known = _frames([KNOWN[0]] * 5 + [KNOWN[1]])

    result = compare(_frames([KNOWN[0]]), known, distance=31, min_quality=50)

    assert result.compared_percent == 50.0


def test_no_usable_frames_is_no_match() -> None:
    assert compare(_frames(KNOWN, quality=10), _frames(KNOWN), distance=31, min_quality=50) == (
        compare([], _frames(KNOWN), distance=31, min_quality=50)
    )
    assert compare([], _frames(KNOWN), distance=31, min_quality=50).query_percent == 0.0


@pytest.mark.parametrize(
    ("query", "index", "accepted"),
    [(80.0, 40.0, True), (79.99, 40.0, False), (80.0, 39.99, False), (100.0, 0.0, False)],
)
def test_thresholds_accept_both_shares_at_or_above(
    query: float, index: float, accepted: bool
) -> None:
    thresholds = Thresholds(distance=31, min_quality=50, query_percent=80, index_percent=40)

    assert thresholds.accepts(query, index) is accepted


def test_index_finds_the_video_with_hma_shares_and_forgets_removed_ones() -> None:
    index = VpdqIndex(radius=31, min_quality=50)
    other = [_hash(RNG) for _ in range(4)]
    index.add(1, _indexed(_frames(KNOWN), 100))
    index.add(2, _indexed(_frames(other), 200))
    clip = _frames([_flip(v, 10, RNG) for v in KNOWN[:3]])

    assert index.search(clip) == [VideoHit(1, 100.0, 30.0)]
    assert index.remove([1]) == 1
    assert index.search(clip) == []
    assert (len(index), index.frame_count) == (1, 4)


def test_index_keeps_only_unique_usable_frames() -> None:
    index = VpdqIndex(radius=31, min_quality=50)
    frames = [*_frames([KNOWN[0], KNOWN[0], KNOWN[1]]), VpdqFeature(3, 20, f"{KNOWN[2]:064x}", 3)]

    index.add(7, _indexed(frames, 10))

    assert index.frame_count == 2
    assert index.search(_frames([KNOWN[1]])) == [VideoHit(7, 100.0, 50.0)]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(1, 12))
def test_index_shares_equal_brute_force(seed: int, videos: int, length: int) -> None:
    rng = random.Random(seed)
    base = [_hash(rng) for _ in range(length)]
    library = {
        key: _frames([_flip(rng.choice(base), rng.randrange(0, 60), rng) for _ in range(length)])
        for key in range(1, videos + 1)
    }
    query = _frames([_flip(v, rng.randrange(0, 40), rng) for v in base])
    index = VpdqIndex(radius=31, min_quality=50)
    for key, frames in library.items():
        index.add(key, _indexed(frames, key * 1000))

    found = {hit.key: (hit.query_percent, hit.index_percent) for hit in index.search(query)}

    expected = {}
    for key, frames in library.items():
        result = compare(query, frames, distance=31, min_quality=50)
        if result.query_percent:
            expected[key] = (result.query_percent, result.compared_percent)
    assert found == expected


def test_add_many_indexes_like_one_by_one_and_replaces_a_video_it_holds() -> None:
    rng = random.Random(11)
    videos = {key: _frames([_hash(rng) for _ in range(6)]) for key in range(1, 6)}
    one_by_one = VpdqIndex(radius=31, min_quality=50)
    for key, frames in videos.items():
        one_by_one.add(key, _indexed(frames, key * 100))
    batched = VpdqIndex(radius=31, min_quality=50)
    batched.add_many((key, _indexed(frames, key * 100)) for key, frames in videos.items())
    query = videos[3][:3] + videos[4][:1]

    assert batched.search(query) == one_by_one.search(query)
    batched.add_many([(3, _indexed(videos[5], 900))])
    assert [hit.key for hit in batched.search(videos[3][:3])] == []
    assert (len(batched), batched.frame_count) == (5, 30)
