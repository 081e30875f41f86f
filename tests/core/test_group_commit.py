"""The group-commit combiner with real threads: who leads, what a group holds, what happens
when a group fails, and that no caller is left waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from hotline.core.group_commit import GroupCommit

JOIN_SECONDS = 10


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + JOIN_SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


class Gated:
    """A process function whose first call waits until ``others`` callers are queued, so the
    second group is exactly those others (deterministic grouping with real threads)."""

    def __init__(self, others: int, fail_when: str = "") -> None:
        self.others = others
        self.fail_when = fail_when
        self.groups: list[list[str]] = []
        self.combiner: GroupCommit[str, str] = GroupCommit(self, limit=lambda: 100)

    def __call__(self, works: Sequence[str]) -> list[str]:
        if not self.groups:
            _until(lambda: len(self.combiner._queue) == self.others, "the others to queue")
        self.groups.append(list(works))
        if self.fail_when and self.fail_when in works:
            raise ValueError("a bad member")
        return [f"grouped:{w}" for w in works]


def _run_all(gated: Gated, works: list[str]) -> dict[str, str]:
    results: dict[str, str] = {}
    lock = threading.Lock()

    def call(work: str) -> None:
        result = gated.combiner.run(work, alone=lambda w: f"alone:{w}")
        with lock:
            results[work] = result

    first = threading.Thread(target=call, args=(works[0],))
    first.start()
    _until(lambda: gated.combiner._leading, "the first caller to lead")
    rest = [threading.Thread(target=call, args=(w,)) for w in works[1:]]
    for thread in rest:
        thread.start()
    for thread in [first, *rest]:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a caller was left waiting"
    return results


def test_group_commit_callers_that_arrive_while_a_group_runs_form_the_next_group() -> None:
    gated = Gated(others=5)

    results = _run_all(gated, ["a", "b", "c", "d", "e", "f"])

    assert gated.groups[0] == ["a"]
    assert sorted(gated.groups[1]) == ["b", "c", "d", "e", "f"]
    assert len(gated.groups) == 2
    assert results == {w: f"grouped:{w}" for w in "abcdef"}
    assert (gated.combiner.stats.groups, gated.combiner.stats.largest) == (2, 5)
    assert not gated.combiner._leading
    assert gated.combiner._queue == []


def test_group_commit_a_failed_group_runs_each_member_alone() -> None:
    gated = Gated(others=3, fail_when="bad")

    results = _run_all(gated, ["a", "b", "bad", "d"])

    assert results == {"a": "grouped:a", "b": "alone:b", "bad": "alone:bad", "d": "alone:d"}
    assert gated.combiner.stats.failed_groups == 1
    assert not gated.combiner._leading


class Held:
    """A process function that holds its first group until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.groups: list[list[int]] = []

    def __call__(self, works: Sequence[int]) -> list[int]:
        self.release.wait(JOIN_SECONDS)
        self.groups.append(list(works))
        return list(works)


def test_group_commit_limit_splits_a_crowd_into_groups_in_arrival_order() -> None:
    held = Held()
    combiner: GroupCommit[int, int] = GroupCommit(held, limit=lambda: 2)
    results: dict[int, int] = {}

    def call(n: int) -> None:
        results[n] = combiner.run(n, alone=lambda w: -w)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(6)]
    threads[0].start()
    _until(lambda: combiner._leading, "the first caller to lead")
    for n in range(1, 6):
        threads[n].start()
        _until(lambda n=n: len(combiner._queue) == n, f"caller {n} to queue")
    held.release.set()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a caller was left waiting"

    assert held.groups == [[0], [1, 2], [3, 4], [5]]
    assert results == {n: n for n in range(6)}


def test_group_commit_a_lone_caller_is_processed_at_once_in_its_own_thread() -> None:
    seen: list[tuple[str, int]] = []

    def process(works: Sequence[str]) -> list[str]:
        seen.extend((w, threading.get_ident()) for w in works)
        return [w.upper() for w in works]

    combiner: GroupCommit[str, str] = GroupCommit(process, limit=lambda: 8)

    assert combiner.run("x", alone=lambda w: "alone") == "X"
    assert seen == [("x", threading.get_ident())]
    assert combiner.run("y", alone=lambda w: "alone") == "Y"
    assert combiner.stats.groups == 2
