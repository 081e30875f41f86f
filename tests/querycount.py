"""Query counting for N+1 checks: a page's query count must not grow with its rows."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def fresh(call: Callable[[], object]) -> Callable[[], object]:
    """``call`` with the cache emptied first, so every measured run starts alike."""

    def run() -> object:
        cache.clear()
        return call()

    return run


def queries_of(call: Callable[[], object]) -> int:
    """How many SQL statements ``call`` runs (savepoints included, as the assertion counts)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)
