"""Surviving database outages: which errors mean "the database is away", and how a long-running
loop waits for it to come back.

Every long-running process (the web server, workers and their heartbeat threads, the
scheduler) must outlive a PostgreSQL restart. A loop catches ``DATABASE_ERRORS`` around one
step, hands the error to its ``Reconnector`` and sleeps for the delay it returns; the
reconnector closes the broken connections (Django would otherwise reuse them and fail again)
and logs once when the outage starts and once when it ends, never once per retry.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
from collections.abc import Iterator

from django.db import InterfaceError, OperationalError, connections

# Django wraps the driver's errors in these on every query, commit and close.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


# SQLSTATEs of a transaction the database ended to break a conflict with a concurrent one
# (serialization_failure, deadlock_detected): the database is up, the same work run again in a
# new transaction succeeds.
_CONFLICTS = frozenset({"40001", "40P01"})


def is_transaction_conflict(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is PostgreSQL ending this transaction to resolve a
    deadlock or a serialization failure with another: nothing of it was kept; run it again."""
    return any(getattr(cause, "sqlstate", None) in _CONFLICTS for cause in _chain(exc))


def is_database_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached or used now
    (a transaction ended by a conflict with another is not an outage: ``is_transaction_conflict``)."""
    if is_transaction_conflict(exc):
        return False
    kinds = DATABASE_ERRORS
    # The PostgreSQL driver's own errors, where one escapes unwrapped (only when it is loaded:
    # importing it costs every SQLite process start-up time).
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        kinds = (*kinds, psycopg.OperationalError, psycopg.InterfaceError)
    return any(isinstance(cause, kinds) for cause in _chain(exc))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, each once (a chain may loop)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def close_broken_connections() -> None:
    """Close this thread's database connections so the next query opens a fresh one.

    ``close_old_connections`` keeps a connection that is inside a transaction or that Django
    still thinks usable; after an outage neither is worth keeping.
    """
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a dead connection may fail to close; it is gone either way
            connection.connection = None


class Reconnector:
    """Backoff and once-per-outage logging for one loop (one per thread: not shared).

    ``failed(exc)`` returns how long to wait before the next try: ``base`` seconds, doubling up
    to ``cap``, with jitter so that many workers do not reconnect in lockstep.
    """

    def __init__(self, what: str, *, base: float = 0.5, cap: float = 10.0) -> None:
        self.what = what
        self.base = base
        self.cap = cap
        self.failures = 0
        self.down_since: float | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> float:
        close_broken_connections()
        if is_transaction_conflict(exc) and self.down_since is None:
            # The database is up and ended this step's transaction to break a deadlock with
            # another: run the step again soon, without reporting an outage.
            logger.info(
                "%s: transaction ended by a conflict (%s); running it again", self.what, exc
            )
            return self.base * random.uniform(0.1, 0.5)
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning(
                "%s: database unreachable (%s: %s); retrying until it is back",
                self.what,
                type(exc).__name__,
                str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail",
            )
        self.failures += 1
        delay = min(self.cap, self.base * 2 ** (self.failures - 1))
        return delay * random.uniform(0.8, 1.0)

    def succeeded(self) -> None:
        if self.down_since is not None:
            logger.warning(
                "%s: database reachable again after %.1f s (%d failed tries)",
                self.what,
                time.monotonic() - self.down_since,
                self.failures,
            )
        self.down_since = None
        self.failures = 0


class SharedOutageLog:
    """Once-per-outage logging for many threads at once (the web server's request threads)."""

    def __init__(self, what: str, *, quiet_seconds: float = 30.0) -> None:
        self.what = what
        self.quiet_seconds = quiet_seconds
        self._lock = threading.Lock()
        self._last_logged: float | None = None
        self._suppressed = 0

    def failed(self, exc: BaseException) -> None:
        """Log the first failure of an outage; count the rest until ``quiet_seconds`` pass."""
        now = time.monotonic()
        with self._lock:
            if self._last_logged is not None and now - self._last_logged < self.quiet_seconds:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._last_logged = now
        logger.warning(
            "%s: database unreachable (%s: %s); answering 503%s",
            self.what,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail",
            f" ({suppressed} more failures since the last message)" if suppressed else "",
        )
