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
