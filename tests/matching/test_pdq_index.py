from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotline.matching.pdq_index import PdqIndex, distances, plan_chunks, words_from_hex


def _flip(row: np.ndarray, bits: np.ndarray) -> np.ndarray:
    flipped = row.copy()
    for bit in bits:
        flipped[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return flipped


def _random_words(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, size=(count, 4), dtype=np.uint64)


def test_plan_chunks_pigeonhole_budget_covers_the_radius() -> None:
    for size in (2, 1000, 50_000, 10_000_000):
        for radius in (0, 10, 31, 40):
            chunks = plan_chunks(size, radius)

            assert sum(chunk.radius + 1 for chunk in chunks) == radius + 1
            assert max(chunk.start + chunk.width for chunk in chunks) <= 256


def test_search_matches_brute_force_on_meta_needles_and_haystack(pdq_testdata: Path) -> None:
    haystack_hex = (pdq_testdata / "hashlists/haystack.txt").read_text().split()
    needles = words_from_hex((pdq_testdata / "hashlists/needles.txt").read_text().split())
    haystack = words_from_hex(haystack_hex)
    index = PdqIndex(min_quality=0, buffer_size=64)
    index.add(np.arange(len(haystack)), haystack)

    hits = index.search_words(needles)

    found = {(int(q), int(k)) for q, k in zip(hits.query, hits.key, strict=True)}
    expected = {
        (row, int(key))
        for row, needle in enumerate(needles)
        for key in np.flatnonzero(distances(haystack, needle) <= 31)
    }
    assert len(haystack_hex) == 1350
    assert len(expected) > 0
    assert found == expected


def test_search_finds_planted_hashes_at_every_distance_up_to_31_and_none_beyond() -> None:
    rng = np.random.default_rng(5)
    background = _random_words(20_000, seed=6)
    queries = _random_words(60, seed=7)
    planted, planted_keys, expected = [], [], set()
    for row, query in enumerate(queries[:41]):
        distance = row  # 0..40
        planted.append(_flip(query, rng.choice(256, size=distance, replace=False)))
        key = 1_000_000 + row
        planted_keys.append(key)
        if distance <= 31:
            expected.add((row, key, distance))
    index = PdqIndex(min_quality=0)
    index.add(np.arange(len(background)), background)
    index.add(np.array(planted_keys), np.array(planted))

    hits = index.search_words(queries)

    found = {
        (int(q), int(k), int(d))
        for q, k, d in zip(hits.query, hits.key, hits.distance, strict=True)
    }
    truth = {
        (row, key, int(d))
        for row, query in enumerate(queries)
        for key, d in enumerate(distances(background, query))
        if d <= 31
    }
    assert found == expected | truth
    assert {d for _, _, d in found if d >= 32} == set()


def test_search_with_smaller_radius_at_query_time() -> None:
    base = _random_words(1, seed=8)[0]
    index = PdqIndex(min_quality=0)
    index.add([1, 2, 3], np.array([_flip(base, np.arange(n)) for n in (3, 10, 11)]))

    assert index.search(base.astype(">u8").tobytes(), radius=10) == [(1, 3), (2, 10)]


def test_search_larger_radius_than_built_for_is_refused() -> None:
    index = PdqIndex(radius=10)

    with pytest.raises(ValueError, match="answers distances up to 10, not 31"):
        index.search(bytes(32), radius=31)


def test_quality_filter_hides_low_quality_hashes_at_query_time() -> None:
    base = _random_words(1, seed=9)[0]
    index = PdqIndex(min_quality=50)
    index.add([1, 2, 3], np.array([base, base, base]), [49, 50, None])

    assert index.search(base.astype(">u8").tobytes()) == [(2, 0), (3, 0)]
    assert index.search(base.astype(">u8").tobytes(), min_quality=0) == [(1, 0), (2, 0), (3, 0)]


def test_incremental_add_and_remove_match_brute_force() -> None:
    words = _random_words(6000, seed=10)
    queries = np.array([_flip(words[i], np.arange(i % 30)) for i in range(0, 6000, 50)])
    index = PdqIndex(min_quality=0, buffer_size=256)
    for start in range(0, 6000, 500):
        index.add(np.arange(start, start + 500), words[start : start + 500])
    removed = np.arange(0, 6000, 3)
    index.remove(removed)
    alive = np.setdiff1d(np.arange(6000), removed)

    hits = index.search_words(queries)

    found = {(int(q), int(k)) for q, k in zip(hits.query, hits.key, strict=True)}
    expected = {
        (row, int(alive[i]))
        for row, query in enumerate(queries)
        for i in np.flatnonzero(distances(words[alive], query) <= 31)
    }
    assert len(index) == len(alive)
    assert len(index.segment_sizes) < 12
    assert found == expected


def test_add_existing_key_replaces_its_hash() -> None:
    first, second = _random_words(2, seed=11)
    index = PdqIndex(min_quality=0)
    index.add([7], np.array([first]))
    index.add([7], np.array([second]))

    assert index.search(first.astype(">u8").tobytes()) == []
    assert index.search(second.astype(">u8").tobytes()) == [(7, 0)]
    assert len(index) == 1


def _tight(query: np.ndarray, chunks: tuple, finder: int, extra: int) -> np.ndarray:
    """``query`` with ``radius + 1`` bits flipped in every chunk but ``finder``, and
    ``finder``'s radius + ``extra`` in that one: at distance 31 (extra 0) only that chunk's
    probes can find it, at 32 (extra 1) none may."""
    bits = []
    for index, chunk in enumerate(chunks):
        flips = chunk.radius + (extra if index == finder else 1)
        bits.extend(range(chunk.start, chunk.start + flips))
    return _flip(query, np.array(bits))


@pytest.mark.parametrize(
    ("background_size", "width"),
    [(200, 8), (3000, 11), (70_000, 16)],  # chunks ending on word boundaries, and straddling them
)
def test_pigeonhole_tight_hashes_at_31_are_found_by_each_chunk_and_at_32_by_none(
    background_size: int, width: int
) -> None:
    background = _random_words(background_size, seed=12)
    size = background_size + 2 * 40
    chunks = plan_chunks(size, 31)
    queries = _random_words(max(40, len(chunks)), seed=13)[:40]
    planted, keys, expected = [], [], set()
    for row, query in enumerate(queries):
        finder = row % len(chunks)
        planted += [_tight(query, chunks, finder, 0), _tight(query, chunks, finder, 1)]
        keys += [1_000_000 + 2 * row, 1_000_001 + 2 * row]
        expected.add((row, 1_000_000 + 2 * row, 31))
    assert int(distances(np.array(planted[1:2]), queries[0])[0]) == 32
    index = PdqIndex(min_quality=0, buffer_size=64)
    # One call, more than the buffer holds: one segment with exactly this chunk plan.
    index.add(
        np.concatenate([np.arange(len(background)), keys]),
        np.concatenate([background, np.array(planted)]),
    )

    hits = index.search_words(queries)

    assert index.segment_sizes == [size]
    assert {chunk.width for chunk in chunks} == {width}
    pairs = list(zip(hits.query.tolist(), hits.key.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))  # a hash found by several chunks is reported once
    found = {
        (int(q), int(k), int(d))
        for q, k, d in zip(hits.query, hits.key, hits.distance, strict=True)
        if k >= 1_000_000
    }
    assert found == expected


def test_boundary_holds_through_buffer_flushes_merges_incremental_adds_and_removals() -> None:
    rng = np.random.default_rng(14)
    query = _random_words(1, seed=15)[0]
    at_31 = [_flip(query, rng.choice(256, size=31, replace=False)) for _ in range(6)]
    at_32 = [_flip(query, rng.choice(256, size=32, replace=False)) for _ in range(6)]
    background = _random_words(5000, seed=16)
    index = PdqIndex(min_quality=0, buffer_size=512)
    index.add(np.arange(5000), background)  # a segment of its own
    for n in range(6):  # one at a time, into the buffer
        index.add([100_000 + n, 200_000 + n], np.array([at_31[n], at_32[n]]))
    digest = query.astype(">u8").tobytes()
    assert index.search(digest) == [(100_000 + n, 31) for n in range(6)]

    for start in range(5000, 7000, 100):  # more than the buffer: flushes and merges
        index.add(np.arange(start, start + 100), _random_words(100, seed=start))
    index.remove([100_000, 100_001, 200_002])
    index.add([100_001], np.array([at_32[1]]))  # re-added further away: not a match any more

    assert sum(index.segment_sizes) > 512
    assert index.search(digest) == [(100_000 + n, 31) for n in range(2, 6)]
    assert index.search(digest, radius=30) == []


def test_compact_merges_segments_and_buffer_into_one_that_answers_the_same() -> None:
    words = _random_words(3000, seed=17)
    queries = np.array([_flip(words[i], np.arange(i % 32)) for i in range(0, 3000, 30)])
    index = PdqIndex(min_quality=0, buffer_size=256)
    for start in range(0, 3000, 200):
        index.add(np.arange(start, start + 200), words[start : start + 200])
    index.remove(np.arange(0, 3000, 7))
    before = index.search_words(queries)

    index.compact()
    after = index.search_words(queries)
    index.add([5000], np.array([queries[3]]))  # adds still work after compaction

    assert len(index.segment_sizes) == 1
    assert len(index) == 3001 - len(range(0, 3000, 7))
    assert set(zip(after.query.tolist(), after.key.tolist(), strict=True)) == set(
        zip(before.query.tolist(), before.key.tolist(), strict=True)
    )
    assert index.search(queries[3].astype(">u8").tobytes())[0] == (5000, 0)
