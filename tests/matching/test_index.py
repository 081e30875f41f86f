from __future__ import annotations

import hashlib

import numpy as np

from hotline.matching.index import ExactIndex, IndexEntry, IndexHit, MatchIndex


def _md5(n: int) -> bytes:
    return hashlib.md5(str(n).encode()).digest()  # noqa: S324


def test_exact_index_finds_every_key_of_a_digest_across_buffer_and_segments() -> None:
    index = ExactIndex(16, buffer_size=100)
    index.add(list(range(250)), [_md5(n % 200) for n in range(250)])
    index.add([900], [_md5(5)])

    assert index.lookup(_md5(5)) == [5, 205, 900]
    assert index.lookup(_md5(199)) == [199]
    assert index.lookup(_md5(1000)) == []


def test_exact_index_remove_hides_keys() -> None:
    index = ExactIndex(16, buffer_size=10)
    index.add(list(range(30)), [_md5(n) for n in range(30)])

    removed = index.remove([3, 25, 999])

    assert removed == 2
    assert (index.lookup(_md5(3)), index.lookup(_md5(4)), len(index)) == ([], [4], 28)


def test_exact_index_lookup_many_returns_query_rows_and_keys() -> None:
    index = ExactIndex(16, buffer_size=4)
    index.add(list(range(10)), [_md5(n) for n in range(10)])
    queries = np.frombuffer(_md5(2) + _md5(77) + _md5(9), dtype=np.uint8).reshape(3, 16)

    rows, keys = index.lookup_many(queries)

    assert sorted(zip(rows.tolist(), keys.tolist(), strict=True)) == [(0, 2), (2, 9)]


def test_match_index_routes_algorithms_and_removes_by_key() -> None:
    index = MatchIndex()
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"
    index.add(
        [
            IndexEntry(1, "md5", _md5(1).hex()),
            IndexEntry(2, "sha256", hashlib.sha256(b"x").hexdigest()),
            IndexEntry(3, "pdq", pdq, 90),
        ]
    )

    assert index.lookup("md5", _md5(1).hex()) == [IndexHit(1, 0)]
    assert index.lookup("sha256", hashlib.sha256(b"x").hexdigest()) == [IndexHit(2, 0)]
    assert index.lookup("pdq", near) == [IndexHit(3, 1)]
    assert index.remove([1, 3]) == 2
    assert (index.lookup("md5", _md5(1).hex()), index.lookup("pdq", near)) == ([], [])


def _flipped(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def test_match_index_segment_built_from_small_adds_keeps_radius_and_quality_floor() -> None:
    # Entries arrive a few at a time (as a refresh adds new ones) until the 1,024-entry
    # buffer fills and becomes a segment: the planted hashes are then searched there.
    query = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    index = MatchIndex()
    planted = [
        IndexEntry(1, "pdq", _flipped(query, 31), 90),
        IndexEntry(2, "pdq", _flipped(query, 32), 90),
        IndexEntry(3, "pdq", _flipped(query, 1), 49),
        IndexEntry(4, "pdq", _flipped(query, 2), 50),
    ]
    rng = np.random.default_rng(22)
    background = [
        IndexEntry(100 + n, "pdq", bytes(row).hex(), 90)
        for n, row in enumerate(rng.integers(0, 256, (1020, 32), dtype=np.uint8))
    ]
    entries = planted + background
    for start in range(0, len(entries), 8):
        index.add(entries[start : start + 8])

    assert index.pdq.segment_sizes == [1024]
    assert len(index.pdq) == 1024  # the buffer is empty
    assert index.lookup("pdq", query) == [IndexHit(4, 2), IndexHit(1, 31)]
