"""Group commit: the work of concurrent requests in one process done together, in one
transaction, by one of them.

A web process answers many requests at once (one thread each). When each files its one
report in its own transaction, every report pays a dozen round trips and a commit of its own,
and the database's commit rate bounds the intake. Here the first request to arrive leads: it
takes every piece of work waiting (its own first, up to ``limit``), hands them to ``process``
in one call, and wakes their threads with their results. Requests that arrive meanwhile wait
for the next leader, one of them, chosen as soon as the group is done. A group is whatever
arrived while the previous one was being written, so a request alone is written at once, and a
busy process writes bigger groups.

Whatever arrived, that is, in the queue: under load most requests of a process are still being
read, authenticated and validated when a leader starts, and groups stayed at 1.3 requests on
average (``python -m bench intake``, 4 threads per process). So a request announces itself as
soon as it enters the process (``arriving``, from a middleware), and a leader that knows of
requests on their way waits for them, up to ``wait()`` seconds, before it takes its group —
PostgreSQL's ``commit_delay`` with ``commit_siblings``, on the request's side. A request alone
(nothing announced) still never waits.

When ``process`` raises, nothing of the group is kept (it runs in one transaction), and every
member runs its work alone (``alone``), as it would without grouping: one bad member, a race
on a unique value or a database outage then gives each request its own answer. A request's
reply therefore never depends on another's failure, and a result is only ever handed to a
request after its group's transaction committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
        self,
        process: Callable[[Sequence[Work]], Sequence[Result]],
        *,
        limit: Callable[[], int],
        wait: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._process = process
        self._limit = limit
        self._wait = wait
        self._lock = threading.Lock()
        self._queued = threading.Condition(self._lock)  # notified when an arrival is done
        self._queue: list[_Waiter[Work, Result]] = []
        self._leading = False
        self._arriving = 0  # requests announced (``arriving``) and not yet queued or gone
        self._mine = threading.local()  # this thread's announcement, while it lasts
        self.stats = GroupStats()

    @property
    def arriving_count(self) -> int:
        """Requests announced and neither queued nor gone (for tests and benchmarks)."""
        return self._arriving

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Announce, for the block's duration, that this thread may soon ``run`` work: a
        leader then waits for it (up to ``wait()`` seconds). The announcement ends when the
        thread queues its work or leaves the block, whichever comes first."""
        with self._lock:
            self._arriving += 1
        self._mine.announced = True
        try:
            yield
        finally:
            self._arrived()

    def _arrived(self) -> None:
        if getattr(self._mine, "announced", False):
            self._mine.announced = False
            with self._lock:
                self._arriving -= 1
                self._queued.notify_all()

    def run(self, work: Work, *, alone: Callable[[Work], Result]) -> Result:
        """``work``'s result, computed in a group or, when its group failed, by ``alone``."""
        waiter: _Waiter[Work, Result] = _Waiter(work)
        announced = getattr(self._mine, "announced", False)
        self._mine.announced = False
        with self._lock:
            self._queue.append(waiter)
            lead = not self._leading
            self._leading = True
            if announced:
                self._arriving -= 1
                self._queued.notify_all()
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
            if self._arriving and len(self._queue) < size:
                # Requests are on their way: wait for them (or for the time to run out).
                deadline = time.monotonic() + self._wait()
                while self._arriving and len(self._queue) < size:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._queued.wait(left)
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
