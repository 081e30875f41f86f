"""Group commit: the work of concurrent requests in one process done together, in one
transaction, by one of them.

A web process answers many requests at once (one thread each). When each files its one
report in its own transaction, every report pays a dozen round trips and a commit of its own,
and the database's commit rate bounds the intake. Here the first request to arrive leads: it
takes every piece of work waiting (its own first, up to ``limit``), hands them to ``process``
in one call, and wakes their threads with their results. Requests that arrive meanwhile wait
for the next leader, one of them, chosen as soon as the group is done. No thread sleeps to
gather a group: a group is whatever arrived while the previous one was being written, so a
request alone is written at once, and a busy process writes bigger groups.

When ``process`` raises, nothing of the group is kept (it runs in one transaction), and every
member runs its work alone (``alone``), as it would without grouping: one bad member, a race
on a unique value or a database outage then gives each request its own answer. A request's
reply therefore never depends on another's failure, and a result is only ever handed to a
request after its group's transaction committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Work = TypeVar("Work")
Result = TypeVar("Result")

log = logging.getLogger(__name__)

_WAITING, _DONE, _FAILED, _LEAD = "waiting", "done", "failed", "lead"


@dataclass(eq=False)
class _Waiter(Generic[Work, Result]):
    work: Work
    state: str = _WAITING
    result: Result | None = None
    woken: threading.Event = field(default_factory=threading.Event)


@dataclass
class GroupStats:
    """What a combiner has done since the process started (for tests and benchmarks)."""

    groups: int = 0
    members: int = 0
    failed_groups: int = 0
    largest: int = 0


class GroupCommit(Generic[Work, Result]):
    """Runs ``process`` over the work of concurrent callers, in the caller that leads.

    ``process`` gets the work of a group in arrival order and returns one result per piece,
    in the same order; it must commit everything it writes before it returns (or raise and
    keep nothing).
    """

    def __init__(
        self, process: Callable[[Sequence[Work]], Sequence[Result]], *, limit: Callable[[], int]
    ) -> None:
        self._process = process
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Work, Result]] = []
        self._leading = False
        self.stats = GroupStats()

    def run(self, work: Work, *, alone: Callable[[Work], Result]) -> Result:
        """``work``'s result, computed in a group or, when its group failed, by ``alone``."""
        waiter: _Waiter[Work, Result] = _Waiter(work)
        with self._lock:
            self._queue.append(waiter)
            lead = not self._leading
            self._leading = True
        if not lead:
            waiter.woken.wait()
        if waiter.state == _WAITING or waiter.state == _LEAD:
            self._lead()  # our waiter is first in the queue: the group includes it
        if waiter.state == _FAILED:
            return alone(work)
        return waiter.result  # type: ignore[return-value]  # set with _DONE

    def _lead(self) -> None:
        with self._lock:
            size = max(1, self._limit())
            group = self._queue[:size]  # our own waiter first (see run)
            del self._queue[:size]
        failed = True
        try:
            results = self._process([w.work for w in group])
            if len(results) != len(group):
                raise RuntimeError(f"{len(results)} results for a group of {len(group)}")
            for w, result in zip(group, results, strict=True):
                w.result = result
                w.state = _DONE
            failed = False
        except Exception:
            # Every member runs alone and gets its own answer (its own error included).
            log.info("a group of %d failed; its members run alone", len(group), exc_info=True)
        finally:
            if failed:
                for w in group:
                    w.state = _FAILED
            with self._lock:
                self.stats.groups += 1
                self.stats.members += len(group)
                self.stats.failed_groups += failed
                self.stats.largest = max(self.stats.largest, len(group))
                if self._queue:
                    self._queue[0].state = _LEAD  # the next group's leader, woken below
                    self._queue[0].woken.set()
                else:
                    self._leading = False
            for w in group[1:]:
                w.woken.set()
