"""A group's leader waits for requests announced as on their way (``GroupCommit.arriving``),
up to ``wait()``; nothing announced, it never waits. Real threads, no database."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from django.http import HttpResponse

from hotline.core.group_commit import GroupCommit

SECONDS = 20


class Recorder:
    def __init__(self) -> None:
        self.groups: list[list[int]] = []

    def __call__(self, works: Sequence[int]) -> list[int]:
        self.groups.append(list(works))
        return [w * 10 for w in works]


def _alone(work: int) -> int:
    return -work


def _until(condition: object) -> None:
    deadline = time.monotonic() + SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _join(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(SECONDS)
        assert not thread.is_alive(), "a caller was left waiting"


def test_a_leader_waits_for_a_request_announced_before_it() -> None:
    record = Recorder()
    combiner = GroupCommit(record, limit=lambda: 64, wait=lambda: SECONDS)
    entered, go = threading.Event(), threading.Event()
    results: dict[str, int] = {}

    def late() -> None:  # inside the process, still being read when the leader starts
        with combiner.arriving():
            entered.set()
            go.wait(SECONDS)
            results["late"] = combiner.run(2, alone=_alone)

    def first() -> None:
        results["first"] = combiner.run(1, alone=_alone)

    announced = threading.Thread(target=late)
    announced.start()
    entered.wait(SECONDS)
    leader = threading.Thread(target=first)
    leader.start()
    _until(lambda: combiner._queue or record.groups)  # the leader queued (and, without the
    go.set()  # wait, already wrote its group of one)
    _join(announced, leader)

    assert record.groups == [[1, 2]]
    assert results == {"first": 10, "late": 20}
    assert combiner.arriving_count == 0


def test_an_announcement_ends_when_its_request_leaves_without_work() -> None:
    record = Recorder()
    combiner = GroupCommit(record, limit=lambda: 64, wait=lambda: 3600)
    with combiner.arriving():  # e.g. refused: bad token, invalid body
        assert combiner.arriving_count == 1
    assert combiner.arriving_count == 0

    result: list[int] = []
    leader = threading.Thread(target=lambda: result.append(combiner.run(1, alone=_alone)))
    leader.start()
    _join(leader)  # with an announcement left over, it would wait an hour
    assert result == [10]


def test_the_wait_for_an_announced_request_is_bounded() -> None:
    record = Recorder()
    combiner = GroupCommit(record, limit=lambda: 64, wait=lambda: 0.05)
    release = threading.Event()
    entered = threading.Event()

    def stuck() -> None:  # announced, never gets to its work while the leader waits
        with combiner.arriving():
            entered.set()
            release.wait(SECONDS)

    never = threading.Thread(target=stuck)
    never.start()
    entered.wait(SECONDS)
    result: list[int] = []
    leader = threading.Thread(target=lambda: result.append(combiner.run(1, alone=_alone)))
    leader.start()
    _join(leader)
    release.set()
    _join(never)

    assert record.groups == [[1]]
    assert result == [10]


def test_the_group_is_taken_as_soon_as_every_announced_request_queued() -> None:
    """The leader does not wait out ``wait()`` once nobody else is on the way."""
    record = Recorder()
    combiner = GroupCommit(record, limit=lambda: 64, wait=lambda: 3600)
    entered, go = threading.Event(), threading.Event()

    def late() -> None:
        with combiner.arriving():
            entered.set()
            go.wait(SECONDS)
            combiner.run(2, alone=_alone)

    announced = threading.Thread(target=late)
    announced.start()
    entered.wait(SECONDS)
    leader = threading.Thread(target=lambda: combiner.run(1, alone=_alone))
    leader.start()
    _until(lambda: combiner._queue)
    go.set()
    _join(announced, leader)  # an hour's wait would leave them waiting
    assert record.groups == [[1, 2]]


def test_the_middleware_announces_intake_submissions_only() -> None:
    """A POST to the intake endpoint is announced while Django handles it, and the
    announcement ends however the request ends; other requests are not announced."""
    from django.test import RequestFactory

    from hotline.intake import api
    from hotline.intake.middleware import SubmissionArrivalMiddleware

    seen: list[int] = []

    def view(request: object) -> HttpResponse:
        seen.append(api._GROUP.arriving_count)
        if getattr(request, "path_info", "") == "/api/v1/reports" and len(seen) == 2:
            raise RuntimeError("a failure on the way")
        return HttpResponse()

    middleware = SubmissionArrivalMiddleware(view)  # type: ignore[arg-type]
    factory = RequestFactory()
    middleware(factory.post("/api/v1/reports", data=b"{}", content_type="application/json"))
    with pytest.raises(RuntimeError):
        middleware(factory.post("/api/v1/reports", data=b"{}", content_type="application/json"))
    middleware(factory.get("/api/v1/reports"))
    middleware(factory.post("/api/v1/matches", data=b"{}", content_type="application/json"))

    assert seen == [1, 1, 0, 0]
    assert api._GROUP.arriving_count == 0
