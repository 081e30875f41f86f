"""The same submission from many threads at once: one 201, the rest the stored report (200)
or a 409 to retry, never a 500. Real threads and real transactions, on SQLite (writers
serialise) and on PostgreSQL (the unique index makes the losers wait, then clash)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.bulk_intake import file_reports
from hotline.cases.models import Channel, Concern, Item, Report
from hotline.fast_insert import COPY_FROM
from tests.conftest import World
from tests.intake.test_api import report

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
ROUNDS = 10


def _race(world: World, body: dict[str, Any], key: str = "") -> list[int]:
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key

    def submit() -> None:
        try:
            start.wait()
            response = Client().post(
                "/api/v1/reports",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_duplicates_without_a_key_store_one_report(world: World) -> None:
    per_round = [Counter(_race(world, {"reports": [report(f"race-{n}")]})) for n in range(ROUNDS)]

    for counts in per_round:
        assert counts[201] == 1, counts
        assert counts[200] + counts[409] == THREADS - 1, counts
    assert Report.objects.count() == ROUNDS


def test_concurrent_retries_with_one_key_store_one_report(world: World) -> None:
    counts = Counter(_race(world, {"reports": [report("keyed")]}, key="batch-1"))

    assert counts[201] + counts[409] == THREADS, counts
    assert Report.objects.count() == 1


def test_concurrent_large_batches_store_each_report_once(world: World) -> None:
    """Batches large enough to be written by COPY on PostgreSQL, racing: each report is stored
    once and every request answered (the losers 200 or 409), never a 500. (That a unique
    violation inside COPY is Django's IntegrityError is tested in tests/core/test_fast_insert.py.)"""
    size = 2 * COPY_FROM
    for n in range(3):
        body = {"reports": [report(f"big-{n}-{i}") for i in range(size)]}
        counts = Counter(_race(world, body))
        assert counts[201] == 1, counts
        assert counts[200] + counts[409] == THREADS - 1, counts
    assert Report.objects.count() == 3 * size


def test_concurrent_reports_of_the_same_known_items_count_every_report() -> None:
    """Batches of different reports of the same known URLs and files, filed at once in their
    own transactions (as by separate web processes; in one process the group commit files
    them in turn): every report is counted on its items. ``file_reports`` computes the new
    counts from the rows it locked; without the lock, one batch's count overwrites another's."""
    size = 2 * COPY_FROM
    urls = [f"http://known{i}.example.test/" for i in range(size)]

    def batch(run: str) -> list[ReportInput]:
        return [
            ReportInput(
                channel=Channel.COMPANY_API,
                concern=Concern.CSAM,
                external_id=f"{run}-{i}",
                urls=[urls[i], urls[(i + 1) % size]],
                files=[FileInput(md5=f"{i:032x}")],
            )
            for i in range(size)
        ]

    file_reports(batch("first"), actor=None)
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def file(n: int) -> None:
        try:
            start.wait()
            for run in range(ROUNDS // 2):
                with transaction.atomic():
                    file_reports(batch(f"t{n}-{run}"), actor=None)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=file, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    batches = 1 + THREADS * (ROUNDS // 2)
    counts = Counter(Item.objects.filter(kind="url").values_list("report_count", flat=True))
    assert counts == {2 * batches: size}  # each URL is in two reports of a batch
    files = Counter(Item.objects.filter(kind="file").values_list("report_count", flat=True))
    assert files == {batches: size}
    for item in Item.objects.all():
        assert item.report_count == item.report_items.count(), item


class _RolledBack(Exception):
    pass


def _started(target: Callable[[], None], failures: list[BaseException]) -> threading.Thread:
    """A started thread running ``target`` on its own connection (closed at the end), any
    exception kept in ``failures`` for the test's thread to report."""

    def run() -> None:
        try:
            target()
        except _RolledBack:
            pass
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _held_open(file: Callable[[], object], held: threading.Event, release: threading.Event) -> None:
    """``file`` in a transaction kept open (``held`` set) until ``release``, then rolled back."""
    try:
        with transaction.atomic():
            file()
            held.set()
            release.wait(30)
            raise _RolledBack
    finally:
        held.set()


def _new_batch(run: str, values: list[str], kind: str) -> list[ReportInput]:
    """One report per value: of a URL, or of a file with that value's SHA-256."""
    return [
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            external_id=f"{run}-{i}",
            urls=[value] if kind == "url" else [],
            files=[FileInput(sha256=_sha256(value))] if kind == "file" else [],
        )
        for i, value in enumerate(values)
    ]


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def _wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("kind", ["url", "file"])
@pytest.mark.parametrize("order", ["x-z-y", "y-z-x"])
def test_batches_creating_the_same_new_items_in_opposite_orders_do_not_deadlock(
    order: str, kind: str
) -> None:
    """A batch creating new URLs (or files) X, Z, Y and another creating Y, X, filed at once in
    their own transactions (as by two web processes), with Z held by a third, open transaction
    that then rolls back. Inserted in the order given, the first holds X and waits for Z, the
    second holds Y and waits for X, and once Z is free the first waits for Y: a deadlock,
    which PostgreSQL breaks by failing one batch. Inserted in one order (by canonical hash, by
    file hash), they only wait for each other: the second batch to arrive clashes on the
    unique key once the first has committed and, filed again as the API does, is stored, its
    reports attached to the first's items (one item per URL or file)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: two batches never hold rows at once")
    x, y, z = (f"http://{name}.order-{order}.example.test/" for name in "xyz")
    first = [x, z, y] if order == "x-z-y" else [y, z, x]
    second = [y, x] if order == "x-z-y" else [x, y]
    held, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def file(run: str, urls: list[str]) -> None:
        for _ in range(3):  # a lost race is filed again, as the API does
            try:
                with transaction.atomic():
                    file_reports(_new_batch(run, urls, kind), actor=None)
                return
            except IntegrityError:
                continue
        raise AssertionError("never stored")

    blocker = _started(
        lambda: _held_open(
            lambda: file_reports(_new_batch("blocker", [z], kind), actor=None), held, release
        ),
        failures,
    )
    assert held.wait(30)
    one = _started(lambda: file("first", first), failures)
    _wait_until(lambda: _waiting_on_locks() >= 1)  # the first batch waits for Z
    two = _started(lambda: file("second", second), failures)
    # The second batch waits for the first (on X or Y) or, if it needs nothing the first holds, is done.
    _wait_until(lambda: _waiting_on_locks() >= 2 or not two.is_alive())
    release.set()
    for thread in (blocker, one, two):
        thread.join(30)

    assert not failures, failures
    assert Report.objects.filter(external_id__startswith="first-").count() == 3
    assert Report.objects.filter(external_id__startswith="second-").count() == 2
    counts = Counter[str]()
    for url, sha256, reports in Item.objects.values_list("canonical_url", "sha256", "report_count"):
        counts[url or sha256] += reports  # two items of one file would be counted together
    expected = (
        {x: 2, y: 2, z: 1} if kind == "url" else {_sha256(x): 2, _sha256(y): 2, _sha256(z): 1}
    )
    assert counts == expected, counts
    assert Item.objects.count() == 3


def test_single_reports_of_the_same_known_urls_in_opposite_orders_do_not_deadlock() -> None:
    """Two reports (a partner's forward, a CyberTipline submission: one report each) of known
    URLs X and Y, one listing X, Y and the other Y, X, with X held by a third, open
    transaction. Locked in the order listed, the first waits for X, the second takes Y and
    waits for X; once X is free the first takes it and waits for Y: a deadlock, which
    PostgreSQL breaks by failing one report. Locked in one order (by id), both wait for X and
    then for each other, and both are stored."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: two reports never hold rows at once")
    x, y = "http://x.single.example.test/", "http://y.single.example.test/"
    file_report(ReportInput(channel=Channel.PARTNER, concern=Concern.CSAM, urls=[x, y]), actor=None)
    held, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def file(run: str, urls: list[str]) -> None:
        data = ReportInput(
            channel=Channel.PARTNER, concern=Concern.CSAM, external_id=run, urls=urls
        )
        with transaction.atomic():  # the caller's transaction, as a forward's
            file_report(data, actor=None)

    blocker = _started(lambda: _held_open(lambda: file("blocker", [x]), held, release), failures)
    assert held.wait(30)
    one = _started(lambda: file("first", [x, y]), failures)
    _wait_until(lambda: _waiting_on_locks() >= 1)  # the first report waits for X
    two = _started(lambda: file("second", [y, x]), failures)
    _wait_until(lambda: _waiting_on_locks() >= 2)  # the second waits for X (holding Y or not)
    release.set()
    for thread in (blocker, one, two):
        thread.join(30)

    assert not failures, failures
    assert set(Report.objects.values_list("external_id", flat=True)) == {"", "first", "second"}
    counts = dict(Item.objects.values_list("canonical_url", "report_count"))
    assert counts == {x: 3, y: 3}, counts


def test_reports_of_the_same_new_file_at_the_same_moment_share_one_item() -> None:
    """A report of a new file, its transaction still open, and another report of that file
    filed meanwhile (two web processes): the second waits for the first and, once the first
    commits, attaches to its item. Without a unique key for a file's hashes, each created an
    item, and the file was assessed twice."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: two reports never hold rows at once")
    digest = _sha256("one new file")
    held, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def file(run: str) -> None:
        data = ReportInput(
            channel=Channel.PARTNER,
            concern=Concern.CSAM,
            external_id=run,
            files=[FileInput(sha256=digest, md5=_md5(run))],
        )
        file_report(data, actor=None)

    def first() -> None:
        try:
            with transaction.atomic():
                file("first")
                held.set()
                release.wait(30)  # then commits
        finally:
            held.set()

    one = _started(first, failures)
    assert held.wait(30)
    two = _started(lambda: file("second"), failures)
    _wait_until(lambda: _waiting_on_locks() >= 1 or not two.is_alive())
    release.set()
    for thread in (one, two):
        thread.join(30)

    assert not failures, failures
    items = list(Item.objects.values_list("sha256", "md5", "report_count"))
    assert items == [(digest, _md5("first"), 2)], items  # the first's item, reported twice


def _md5(value: str) -> str:
    return hashlib.md5(value.encode()).hexdigest()  # noqa: S324 - a test file's hash
