"""The matching benchmark's correctness check must be able to fail (issue #15)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from bench import matching


@pytest.fixture
def stored() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 2**64, size=(4000, 4), dtype=np.uint64)


def _run_check(stored: np.ndarray, *, broken: bool) -> matching.Check:
    queries = matching.make_queries(stored, 640, np.random.default_rng(2))
    with matching.broken_index() if broken else contextlib.nullcontext():
        index = matching.build_hotline(stored)
        results, _, _ = matching.query_hotline_single(index, queries)
    return matching.check_answers(stored, queries, results, matching.recall_sample(queries, 200))


def test_check_passes_on_the_real_index_with_every_distance_sampled(stored: np.ndarray) -> None:
    check = _run_check(stored, broken=False)

    assert check.ok
    assert check.recall == 1.0
    assert set(range(16, 32)) <= set(check.sample_distances)
    assert check.planted == 320
    assert check.planted_missed == 0


def test_check_fails_on_an_index_exact_only_to_distance_15(stored: np.ndarray) -> None:
    check = _run_check(stored, broken=True)

    assert not check.ok
    assert check.recall < 1.0
    assert check.planted_missed > 0
    assert check.false_matches == 0


def test_check_counts_a_false_match_and_a_wrong_distance(stored: np.ndarray) -> None:
    queries = matching.make_queries(stored, 64, np.random.default_rng(3))
    index = matching.build_hotline(stored)
    results, _, _ = matching.query_hotline_single(index, queries)
    miss = int(np.flatnonzero(queries.source < 0)[0])
    forged = matching.Results(
        np.concatenate([results.query, [miss]]),
        np.concatenate([results.key, [0]]),
        np.concatenate([results.distance, [5]]),
    )
    wrong_distance = matching.Results(results.query, results.key, results.distance + 1)

    assert matching.check_answers(stored, queries, results, np.array([miss])).ok
    assert matching.check_answers(stored, queries, forged, np.array([miss])).false_matches == 2
    assert not matching.check_answers(stored, queries, wrong_distance, np.array([], dtype=int)).ok


def test_benchmark_exits_non_zero_with_a_broken_index_and_zero_without(
    capsys: pytest.CaptureFixture[str],
) -> None:
    small = ["--sections", "pdq", "--no-anchors", "--size", "3000", "--queries", "640"]
    small += ["--adds", "50", "--recall-sample", "120"]

    assert matching.main([*small, "--break-index"]) == 1
    broken = capsys.readouterr().out
    assert matching.main(small) == 0
    healthy = capsys.readouterr().out

    assert "FAILED correctness checks" in broken
    assert "recall 1.0000" not in broken.split("FAILED")[1]
    assert "all correctness checks passed" in healthy
