from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pytest

from hotline.matching import actions
from hotline.matching.models import HashList
from hotline.matching.queries import Match, find_matches, find_matches_many, parse_query
from hotline.matching.sync import IndexSync

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
NEAR = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d"  # 4 bits away
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _import(hash_list: HashList, text: str, fmt: str = "csv") -> None:
    actions.import_hash_list(
        hash_list, io.BytesIO(text.encode()), format_name=fmt, acting_user=None
    )


@pytest.fixture
def lists(db: None) -> tuple[HashList, HashList]:
    first = actions.create_hash_list(
        name="First", category_mapping={"1": "baseline"}, acting_user=None
    )
    second = actions.create_hash_list(name="Second", acting_user=None)
    _import(first, f"algorithm,value,quality,category\npdq,{PDQ},90,1\nmd5,{MD5},,1\n")
    _import(second, f"algorithm,value,quality,category\nmd5,{MD5},,\n")
    return first, second


def test_find_matches_reads_hits_back_with_list_and_classification(
    lists: tuple[HashList, HashList],
) -> None:
    sync = IndexSync()
    sync.refresh()

    near = [match.as_dict() for match in find_matches("pdq", NEAR, index=sync.index)]
    exact = [match.entry.hash_list.name for match in find_matches("md5", MD5, index=sync.index)]

    assert [(m["list"], m["distance"], m["classification"]) for m in near] == [
        ("First", 4, "baseline")
    ]
    assert exact == ["First", "Second"]


def test_find_matches_many_answers_each_query_as_find_matches_does(
    lists: tuple[HashList, HashList], django_assert_num_queries: Any
) -> None:
    first, _ = lists
    sync = IndexSync()
    sync.refresh()
    actions.set_hash_list_enabled(first, enabled=False, acting_user=None)  # index not refreshed
    queries = [("pdq", NEAR), ("md5", MD5), ("md5", "0" * 32), ("pdq", PDQ)]

    with django_assert_num_queries(1):
        many = find_matches_many(queries, index=sync.index)

    def names(matches: list[Match]) -> list[tuple[str, int]]:
        return [(m.entry.hash_list.name, m.distance) for m in matches]

    assert [names(found) for found in many] == [[], [("Second", 0)], [], []]
    assert [names(found) for found in many] == [
        names(find_matches(algorithm, value, index=sync.index)) for algorithm, value in queries
    ]


def test_refresh_picks_up_new_removed_and_disabled_entries(
    lists: tuple[HashList, HashList],
) -> None:
    first, second = lists
    sync = IndexSync()
    sync.refresh()
    _import(second, f"{NEAR},70\n", fmt="pdq")
    actions.remove_entries(first, values=[PDQ], acting_user=None)
    actions.set_hash_list_enabled(first, enabled=False, acting_user=None)

    report = sync.refresh()

    assert (report.added, report.removed) == (1, 2)
    assert sync.index.lookup("pdq", PDQ)[0].distance == 4
    assert len(sync.index) == 2

    actions.set_hash_list_enabled(first, enabled=True, acting_user=None)
    sync.refresh()
    assert len(sync.index) == 3


def test_parse_query_tells_algorithms_apart_by_length() -> None:
    assert parse_query(MD5.upper()) == [("md5", MD5)]
    assert [name for name, _ in parse_query(PDQ)] == ["pdq", "sha256"]
    assert parse_query(f"pdq:{PDQ}") == [("pdq", PDQ)]


def _flipped(value: str, bits: int) -> str:
    """``value`` with its lowest ``bits`` bits inverted: exactly ``bits`` away."""
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def test_refresh_builds_a_segment_that_keeps_the_radius_and_the_quality_floor(db: None) -> None:
    # More hashes than the PDQ index's 1,024-entry buffer, loaded as a worker loads them,
    # so the planted ones are searched in a multi-index segment, not by brute force.
    rng = np.random.default_rng(21)
    background = [bytes(row).hex() for row in rng.integers(0, 256, (1200, 32), dtype=np.uint8)]
    planted = {
        "at_radius": (_flipped(PDQ, 31), 90),
        "past_radius": (_flipped(PDQ, 32), 90),
        "below_floor": (_flipped(PDQ, 1), 49),
        "at_floor": (_flipped(PDQ, 2), 50),
    }
    hash_list = actions.create_hash_list(name="Large", acting_user=None)
    lines = [f"{value},90" for value in background]
    lines += [f"{value},{quality}" for value, quality in planted.values()]
    _import(hash_list, "\n".join(lines) + "\n", fmt="pdq")
    sync = IndexSync()

    sync.refresh()

    pdq_index = sync.index.pdq
    assert sum(pdq_index.segment_sizes) == len(pdq_index) == 1204  # nothing left in the buffer
    found = {
        match.entry.value: match.distance for match in find_matches("pdq", PDQ, index=sync.index)
    }
    assert found == {planted["at_radius"][0]: 31, planted["at_floor"][0]: 2}


def _spread(value: str, bits: int, seed: int) -> str:
    """``value`` with ``bits`` bits inverted at random positions: exactly ``bits`` away."""
    positions = np.random.default_rng(seed).choice(256, size=bits, replace=False)
    return f"{int(value, 16) ^ sum(1 << int(bit) for bit in positions):064x}"


def test_refresh_keeps_31_in_and_32_out_through_incremental_imports_and_removals(db: None) -> None:
    rng = np.random.default_rng(23)
    background = [bytes(row).hex() for row in rng.integers(0, 256, (2500, 32), dtype=np.uint8)]
    first = actions.create_hash_list(name="Bulk", acting_user=None)
    second = actions.create_hash_list(name="Trickle", acting_user=None)
    at_31 = [_spread(PDQ, 31, seed) for seed in range(4)]
    at_32 = [_spread(PDQ, 32, 10 + seed) for seed in range(4)]
    _import(first, "".join(f"{value},90\n" for value in [*background, at_31[0], at_32[0]]), "pdq")
    sync = IndexSync()
    sync.refresh()
    for n in range(1, 4):  # arrive one by one after the first load
        _import(second, f"{at_31[n]},90\n{at_32[n]},90\n", fmt="pdq")
        sync.refresh()

    def found() -> dict[str, int]:
        matches = find_matches("pdq", PDQ, index=sync.index)
        return {match.entry.value: match.distance for match in matches}

    assert sum(sync.index.pdq.segment_sizes) > 1024  # searched in segments, not the buffer
    assert found() == dict.fromkeys(at_31, 31)
    actions.remove_entries(first, values=[at_31[0]], acting_user=None)
    actions.remove_entries(second, values=[at_31[2], at_32[2]], acting_user=None)
    report = sync.refresh()

    assert report.removed == 3
    assert found() == {at_31[1]: 31, at_31[3]: 31}
    assert len(sync.index.pdq) == 2500 + 8 - 3


def test_shared_index_loads_on_first_use_even_when_the_refresh_age_exceeds_the_uptime(
    lists: tuple[HashList, HashList],
) -> None:
    from hotline.matching.sync import reset_shared_index, shared_index

    reset_shared_index()
    try:
        # An age longer than time.monotonic() has run (it counts from boot).
        index = shared_index(max_age_seconds=time.monotonic() + 10**9)

        assert [hit.distance for hit in index.lookup("pdq", NEAR)] == [4]
    finally:
        reset_shared_index()
