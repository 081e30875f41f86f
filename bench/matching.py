"""Matching benchmarks, each figure beside its anchor measured in the same run.

``python -m bench matching`` (1 M known PDQ hashes); ``python bench/matching.py --size 10000000``
for the field's scale (README, "Benchmarks"). Anchors come from the ``bench`` extra
(``pip install -e '.[bench]'``): pdqhash for hashing; threatexchange's ``PDQIndex`` (HMA's
default), faiss ``IndexBinaryMultiHash`` in HMA's configuration (16 tables of 16 bits, one bit
flipped) and numpy brute force for PDQ search; a Python ``set`` for exact lookups.

What is checked, and makes the run exit non-zero when it fails:

* every PDQ answer: each reported hash recomputed (distance > 31 or a wrong distance is a
  false match); every planted near-duplicate (0-31 bits flipped from a stored hash, every
  distance equally often, also among hashes added one by one after the build) found at its
  distance; on a sample that covers every distance 16-31 plus misses, recall against numpy
  brute force must be exactly 1.0;
* exact lookups agree with the set; ``/api/v1/match`` over HTTP answers planted
  near-duplicates at their distance.

``--break-index`` makes Hotline's index exact only up to distance 15 (what the old benchmark,
querying 0-15 flipped bits only, could not see): the run then reports recall < 1 and exits 1.
Pigeonhole-budget bugs, which random flips rarely reveal, are caught by the tests'
pigeonhole-tight hashes (tests/matching/test_pdq_index.py).

The index under test is built through the product's public path: ``MatchIndex.add`` in the
sync's batches of ``LOAD_BATCH`` entries (in process), and the sync from the database
(``IndexSync``, inside a real ``hotline run`` process) for the HTTP rows.
Hashes are random; images are generated benign pictures (``hotline.matching.synthetic``).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import http.client
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

RADIUS = 31
ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("hashing", "pdq", "exact", "http")


def _rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _settled_rss() -> int:
    """RSS after returning freed heap memory to the system (so it measures what is live)."""
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return _rss()


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def conditions() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("numpy", "numba", "pdqhash", "faiss-cpu", "threatexchange", "waitress")
    )
    return (
        f"conditions: {_cpu_model()}, {os.cpu_count()} CPUs, load average {load}; "
        f"{platform.python_implementation()} {platform.python_version()}; {versions}; "
        "one thread for every in-process figure (faiss omp_set_num_threads(1), numba serial)"
    )


# --- PDQ queries and the correctness check ------------------------------------------------


def flip_bits(row: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """``row`` (4 uint64 words, bit 0 = most significant) with ``bits`` flipped."""
    flipped = row.copy()
    for bit in bits.tolist():
        flipped[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return flipped


@dataclass
class Queries:
    """Query hashes with what each was made from: ``source`` key and bits flipped (-1: a miss)."""

    words: np.ndarray
    source: np.ndarray
    flipped: np.ndarray

    def __len__(self) -> int:
        return len(self.words)


def make_queries(
    words: np.ndarray, count: int, rng: np.random.Generator, first_key: int = 0
) -> Queries:
    """Half near-duplicates of stored hashes with 0-31 bits flipped (each distance equally
    often), half random hashes (misses), shuffled."""
    near = count // 2
    sources = rng.choice(len(words), size=near, replace=False)
    flipped = np.arange(near, dtype=np.int64) % (RADIUS + 1)
    rows = [
        flip_bits(words[source], rng.choice(256, size=int(bits), replace=False))
        for source, bits in zip(sources.tolist(), flipped.tolist(), strict=True)
    ]
    misses = rng.integers(0, 2**64, size=(count - near, 4), dtype=np.uint64)
    all_words = np.concatenate([np.array(rows, dtype=np.uint64).reshape(-1, 4), misses])
    source = np.concatenate([sources + first_key, np.full(len(misses), -1)]).astype(np.int64)
    bits = np.concatenate([flipped, np.full(len(misses), -1)]).astype(np.int64)
    order = rng.permutation(count)
    return Queries(all_words[order], source[order], bits[order])


def recall_sample(queries: Queries, size: int) -> np.ndarray:
    """Rows for the brute-force comparison: every distance 16-31 first, then 0-15, then misses."""
    per_distance = max(1, size // 40)
    chosen: list[int] = []
    for distance in [*range(16, RADIUS + 1), *range(16)]:
        rows = np.flatnonzero(queries.flipped == distance)[:per_distance]
        chosen.extend(rows.tolist())
    misses = np.flatnonzero(queries.flipped < 0)
    chosen.extend(misses[: max(0, size - len(chosen))].tolist())
    return np.array(chosen, dtype=np.int64)


@dataclass
class Results:
    """Answers to ``len(queries)`` queries as parallel arrays: query row, key, reported distance."""

    query: np.ndarray
    key: np.ndarray
    distance: np.ndarray

    def for_row(self, row: int) -> dict[int, int]:
        mask = self.query == row
        return dict(zip(self.key[mask].tolist(), self.distance[mask].tolist(), strict=True))


@dataclass
class Check:
    """What the correctness check found; ``ok`` only with recall exactly 1 and nothing false."""

    label: str = ""
    answers: int = 0
    false_matches: int = 0
    planted: int = 0
    planted_missed: int = 0
    truth: int = 0
    truth_found: int = 0
    sample: int = 0
    sample_distances: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.truth_found / self.truth if self.truth else 1.0

    @property
    def ok(self) -> bool:
        return not self.false_matches and not self.planted_missed and self.truth_found == self.truth

    def summary(self) -> str:
        return (
            f"recall {self.recall:.4f} ({self.truth_found}/{self.truth} on {self.sample} sampled"
            f" queries, planted distances {min(self.sample_distances, default=-1)}-"
            f"{max(self.sample_distances, default=-1)} and misses); planted near-duplicates found"
            f" {self.planted - self.planted_missed}/{self.planted}; false matches"
            f" {self.false_matches} of {self.answers} answers"
        )


def brute_force(words: np.ndarray, query: np.ndarray) -> dict[int, int]:
    """Key (row) -> distance of every stored hash within the radius: numpy, no index."""
    from hotline.matching.pdq_index import distances

    found = distances(words, query)
    rows = np.flatnonzero(found <= RADIUS)
    return dict(zip(rows.tolist(), found[rows].tolist(), strict=True))


def check_answers(
    stored: np.ndarray,
    queries: Queries,
    results: Results,
    sample: np.ndarray,
    truths: dict[int, dict[int, int]] | None = None,
) -> Check:
    """Check every answer against the stored hashes (``stored[key]``), and the sample against
    brute force (``truths``, computed here when not given)."""
    from hotline.matching.pdq_index import popcount_rows

    check = Check(answers=len(results.key))
    valid = (results.key >= 0) & (results.key < len(stored))
    real = np.full(len(results.key), 257, dtype=np.int64)
    real[valid] = popcount_rows(stored[results.key[valid]] ^ queries.words[results.query[valid]])
    wrong = (real > RADIUS) | (real != results.distance)
    check.false_matches = int(wrong.sum())
    if check.false_matches:
        row = int(np.flatnonzero(wrong)[0])
        check.problems.append(
            f"query {int(results.query[row])} answered key {int(results.key[row])} at distance"
            f" {int(results.distance[row])}; it is at {int(real[row])}"
        )
    found = set(
        zip(results.query.tolist(), results.key.tolist(), results.distance.tolist(), strict=True)
    )
    for row in np.flatnonzero(queries.source >= 0).tolist():
        check.planted += 1
        expected = (row, int(queries.source[row]), int(queries.flipped[row]))
        if expected not in found:
            check.planted_missed += 1
            if len(check.problems) < 5:
                check.problems.append(f"planted near-duplicate at distance {expected[2]} not found")
    check.sample = len(sample)
    for row in sample.tolist():
        truth = truths[row] if truths is not None else brute_force(stored, queries.words[row])
        got = results.for_row(row)
        check.truth += len(truth)
        check.truth_found += sum(1 for key, distance in truth.items() if got.get(key) == distance)
        check.false_matches += sum(1 for key in got if key not in truth)
        if queries.flipped[row] >= 0:
            check.sample_distances.append(int(queries.flipped[row]))
    return check


@contextlib.contextmanager
def broken_index() -> Iterator[None]:
    """Hotline's index made exact only up to distance 15 (searches at 31 answer within 15)."""
    from hotline.matching.pdq_index import PdqIndex

    original = PdqIndex.search_words

    def exact_to_15(self: PdqIndex, queries: Any, **options: Any) -> Any:
        return original(self, queries, radius=min(options.pop("radius", None) or 31, 15), **options)

    PdqIndex.search_words = exact_to_15  # type: ignore[method-assign]
    try:
        yield
    finally:
        PdqIndex.search_words = original  # type: ignore[method-assign]


def hex_rows(words: np.ndarray) -> list[str]:
    text = np.ascontiguousarray(words).astype(">u8").tobytes().hex()
    return [text[start : start + 64] for start in range(0, len(text), 64)]


def build_hotline(words: np.ndarray, first_key: int = 0) -> Any:
    """A :class:`MatchIndex` loaded the way the sync loads one: ``add`` in ``LOAD_BATCH`` entries,
    then compacted by the sync's rule."""
    from hotline.matching.index import IndexEntry, MatchIndex
    from hotline.matching.sync import LOAD_BATCH, settle_after_load

    index = MatchIndex(pdq_radius=RADIUS, pdq_min_quality=50)
    for start in range(0, len(words), LOAD_BATCH):
        values = hex_rows(words[start : start + LOAD_BATCH])
        index.add(
            IndexEntry(first_key + start + offset, "pdq", value, 90)
            for offset, value in enumerate(values)
        )
    settle_after_load(index, len(words))  # as IndexSync.refresh does after a load
    return index


def query_hotline_single(index: Any, queries: Queries) -> tuple[Results, list[float], list[float]]:
    """One ``MatchIndex.lookup`` per query (what ``find_matches`` calls): results, wall and CPU µs."""
    values = hex_rows(queries.words)
    rows: list[int] = []
    keys: list[int] = []
    found: list[int] = []
    wall: list[float] = []
    cpu: list[float] = []
    for row, value in enumerate(values):
        started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
        hits = index.lookup("pdq", value)
        cpu.append((time.thread_time_ns() - started_cpu) / 1000)
        wall.append((time.perf_counter_ns() - started) / 1000)
        for hit in hits:
            rows.append(row)
            keys.append(hit.key)
            found.append(hit.distance)
    return (
        Results(
            np.array(rows, dtype=np.int64),
            np.array(keys, dtype=np.int64),
            np.array(found, dtype=np.int64),
        ),
        wall,
        cpu,
    )


@dataclass
class Row:
    """One line of the PDQ table."""

    name: str
    build_s: float
    build_cpu: float = 0.0
    single_wall: float = 0.0
    single_cpu: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    batch: float = 0.0
    bytes_per_hash: str = ""
    add_us: str = ""
    check: Check | None = None

    def cells(self) -> list[str]:
        recall = "-" if self.check is None else f"{self.check.recall:.4f}"
        false = "-" if self.check is None else str(self.check.false_matches)
        return [
            self.name,
            f"{self.build_s:.1f} / {self.build_cpu:.1f}" if self.build_s else "-",
            f"{self.single_wall:,.0f}" if self.single_wall else "-",
            f"{self.single_cpu:,.0f}" if self.single_cpu else "-",
            f"{self.p50_us:,.0f} / {self.p99_us:,.0f}" if self.p50_us else "-",
            f"{self.batch:,.0f}" if self.batch else "-",
            self.bytes_per_hash or "-",
            self.add_us or "-",
            recall,
            false,
        ]


def _timed_loop(count: int, function: Callable[[int], object]) -> tuple[float, float, list[float]]:
    """Calls ``function(i)`` for i < count: (calls per wall-second, per CPU-second, wall µs each)."""
    latencies = []
    wall, cpu = time.perf_counter(), time.thread_time()
    for i in range(count):
        started = time.perf_counter_ns()
        function(i)
        latencies.append((time.perf_counter_ns() - started) / 1000)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return count / wall, count / max(cpu, 1e-9), latencies


def bench_pdq(
    size: int,
    query_count: int,
    anchor_queries: int,
    sample_size: int,
    incremental: int,
    *,
    anchors: bool,
    break_index: bool,
    seed: int = 0,
) -> list[Check]:
    """The PDQ table for ``size`` stored hashes; returns the checks of Hotline's index."""
    from hotline.matching.pdq_index import WORDS

    rng = np.random.default_rng(seed + size)
    stored = rng.integers(0, 2**64, size=(size, WORDS), dtype=np.uint64)
    extra = rng.integers(0, 2**64, size=(incremental, WORDS), dtype=np.uint64)
    everything = np.concatenate([stored, extra])
    queries = make_queries(stored, query_count, rng)
    added_queries = (
        make_queries(extra, min(2 * incremental, 640), rng, first_key=size) if incremental else None
    )
    sample = recall_sample(queries, sample_size)
    rows: list[Row] = []
    checks: list[Check] = []

    # numpy brute force: the ground truth for the sample, and the simplest anchor.
    started_cpu = time.thread_time()
    started = time.perf_counter()
    latencies = []
    truths: dict[int, dict[int, int]] = {}
    for row in sample.tolist():
        begin = time.perf_counter_ns()
        truths[row] = brute_force(stored, queries.words[row])
        latencies.append((time.perf_counter_ns() - begin) / 1000)
    wall, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    brute = Row(
        "numpy brute force (anchor)",
        0.0,
        0.0,
        single_wall=len(sample) / wall,
        single_cpu=len(sample) / max(cpu, 1e-9),
        p50_us=statistics.median(latencies),
        p99_us=_percentile(latencies, 0.99),
        bytes_per_hash="32 (1.0x)",
    )

    # Hotline, through MatchIndex.add in the sync's batches.
    name = "Hotline PdqIndex" + (" BROKEN (exact to 15)" if break_index else "")
    before = _settled_rss()
    started, started_cpu = time.perf_counter(), time.thread_time()
    with broken_index() if break_index else contextlib.nullcontext():
        index = build_hotline(stored)
        build = time.perf_counter() - started
        build_cpu = time.thread_time() - started_cpu
        rss = _settled_rss() - before
        index.lookup("pdq", hex_rows(queries.words[:1])[0])  # compiled code loaded
        results, wall_us, cpu_us = query_hotline_single(index, queries)
        hotline_check = check_answers(stored, queries, results, sample, truths)
        hotline_check.label = "single lookups"
        started_cpu = time.thread_time()
        batch_hits = index.pdq.search_words(queries.words)
        batch_cpu = time.thread_time() - started_cpu
        batch_results = Results(batch_hits.query, batch_hits.key, batch_hits.distance)
        batch_check = check_answers(stored, queries, batch_results, sample, truths)
        batch_check.label = "batched search"
        add_text = ""
        if added_queries is not None:
            from hotline.matching.index import IndexEntry

            values = hex_rows(extra)
            add_latencies = []
            for offset, value in enumerate(values):
                begin = time.perf_counter_ns()
                index.add([IndexEntry(size + offset, "pdq", value, 90)])
                add_latencies.append((time.perf_counter_ns() - begin) / 1000)
            add_text = (
                f"{statistics.median(add_latencies):,.0f} / {_percentile(add_latencies, 0.99):,.0f}"
                f" / {max(add_latencies):,.0f}"
            )
            added_results, _, _ = query_hotline_single(index, added_queries)
            added_sample = recall_sample(added_queries, min(sample_size, len(added_queries)))
            added_check = check_answers(everything, added_queries, added_results, added_sample)
            added_check.label = f"after {incremental:,} single adds"
            checks.append(added_check)
    nbytes = index.pdq.nbytes() / size
    rows.append(
        Row(
            name + ", single lookups",
            build,
            build_cpu,
            single_wall=len(queries) / (sum(wall_us) / 1e6),
            single_cpu=len(queries) / (sum(cpu_us) / 1e6),
            p50_us=statistics.median(cpu_us),
            p99_us=_percentile(cpu_us, 0.99),
            batch=len(queries) / batch_cpu,
            bytes_per_hash=f"{nbytes:.0f} ({nbytes / 32:.1f}x); RSS {rss / size:.0f}",
            add_us=add_text,
            check=hotline_check,
        )
    )
    checks += [hotline_check, batch_check]
    hotline_wall = (statistics.median(wall_us), _percentile(wall_us, 0.99))
    segments = index.pdq.segment_sizes
    del index, results, batch_hits
    gc.collect()

    if anchors:
        rows += _anchor_rows(stored, queries, sample, truths, anchor_queries)
    rows.append(brute)

    label = " -- DELIBERATELY BROKEN INDEX" if break_index else ""
    print(
        f"\n### PDQ radius search, d <= {RADIUS}: {size:,} random known hashes{label}\n"
        f"{len(queries):,} queries for Hotline ({anchor_queries:,} for each index anchor, the"
        f" {len(sample)} sampled for brute force): half near-duplicates with 0-31 bits flipped"
        f" (each distance equally often), half misses. Hotline loaded by MatchIndex.add in the"
        f" sync's batches (segments {segments}); one thread."
    )
    _table(
        [
            "index",
            "build s (wall / CPU)",
            "single q/s (wall)",
            "single q/CPU-s",
            "p50 / p99 µs per query (CPU)",
            "batched q/CPU-s",
            "bytes per hash",
            f"add one: p50 / p99 / max µs ({incremental:,} adds)",
            "recall",
            "false matches",
        ],
        [row.cells() for row in rows],
    )
    print(
        f"Hotline single lookups, wall clock: p50 {hotline_wall[0]:,.0f} µs, p99 {hotline_wall[1]:,.0f} µs"
    )
    tx = next((row for row in rows if row.name.startswith("threatexchange")), None)
    if tx is not None and tx.single_cpu:
        print(
            f"Hotline / threatexchange PDQIndex, single queries per CPU-second: {rows[0].single_cpu / tx.single_cpu:.1f}x"
        )
    print(f"check, single lookups: {hotline_check.summary()}")
    print(f"check, batched search: {batch_check.summary()}")
    if added_queries is not None:
        print(
            f"check, after {incremental:,} single adds (queries near the added hashes): {checks[0].summary()}"
        )
    for check in checks:
        for problem in check.problems[:3]:
            print(f"  problem: {problem}")
    return checks


def _anchor_rows(
    stored: np.ndarray,
    queries: Queries,
    sample: np.ndarray,
    truths: dict[int, dict[int, int]],
    count: int,
) -> list[Row]:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)
    size = len(stored)
    codes = np.ascontiguousarray(stored).astype(">u8").view(np.uint8).reshape(size, 32)
    query_codes = np.ascontiguousarray(queries.words).astype(">u8").view(np.uint8).reshape(-1, 32)
    subset = np.unique(np.concatenate([np.arange(min(count, len(queries))), sample]))
    rows = []

    # faiss IndexBinaryMultiHash as HMA configures it: 16 tables of 16 bits, 31 // 16 = 1 flip.
    started, started_cpu = time.perf_counter(), time.thread_time()
    mih = faiss.IndexBinaryMultiHash(256, 16, 16)
    mih.nflip = RADIUS // 16
    mih.add(codes)
    build, build_cpu = time.perf_counter() - started, time.thread_time() - started_cpu

    def faiss_one(i: int) -> object:
        row = int(subset[i])
        return mih.range_search(query_codes[row : row + 1], RADIUS + 1)

    faiss_one(0)
    single_wall, single_cpu, latencies = _timed_loop(len(subset), faiss_one)
    started_cpu = time.thread_time()
    limits, found_distances, found_keys = mih.range_search(query_codes[subset], RADIUS + 1)
    batch_cpu = time.thread_time() - started_cpu
    query_rows = np.repeat(subset, np.diff(limits).astype(np.int64))
    faiss_check = _subset_check(
        stored, queries, subset, sample, truths, query_rows, found_keys, found_distances
    )
    rows.append(
        Row(
            "faiss IndexBinaryMultiHash 16x16, nflip 1 (anchor)",
            build,
            build_cpu,
            single_wall=single_wall,
            single_cpu=single_cpu,
            p50_us=statistics.median(latencies),
            p99_us=_percentile(latencies, 0.99),
            batch=len(subset) / max(batch_cpu, 1e-9),
            check=faiss_check,
        )
    )
    mih.reset()  # frees its tables before threatexchange builds its own
    gc.collect()

    # threatexchange PDQIndex (HMA's default index), through its public API.
    values = hex_rows(stored)
    query_values = hex_rows(queries.words)
    started, started_cpu = time.perf_counter(), time.thread_time()
    tx_index = PDQIndex(zip(values, range(size), strict=True))
    build, build_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    answers: dict[int, list[Any]] = {}

    def tx_one(i: int) -> object:
        row = int(subset[i])
        answers[row] = tx_index.query(query_values[row])
        return answers[row]

    tx_one(0)
    single_wall, single_cpu, latencies = _timed_loop(len(subset), tx_one)
    query_rows_list, keys_list, distance_list = [], [], []
    for row, matches in answers.items():
        for match in matches:
            query_rows_list.append(row)
            keys_list.append(int(match.metadata))
            distance_list.append(int(match.similarity_info.distance))
    add_latencies = []
    extra = np.random.default_rng(99).integers(0, 2**64, size=(5, 4), dtype=np.uint64)
    for offset, value in enumerate(hex_rows(extra)):
        begin = time.perf_counter_ns()
        tx_index.add(value, size + offset)
        add_latencies.append((time.perf_counter_ns() - begin) / 1000)
    tx_check = _subset_check(
        stored,
        queries,
        subset,
        sample,
        truths,
        np.array(query_rows_list, dtype=np.int64),
        np.array(keys_list, dtype=np.int64),
        np.array(distance_list, dtype=np.int64),
    )
    rows.append(
        Row(
            "threatexchange 1.2 PDQIndex, HMA's default (anchor)",
            build,
            build_cpu,
            single_wall=single_wall,
            single_cpu=single_cpu,
            p50_us=statistics.median(latencies),
            p99_us=_percentile(latencies, 0.99),
            add_us=(
                f"{statistics.median(add_latencies):,.0f} / {_percentile(add_latencies, 0.99):,.0f}"
                f" / {max(add_latencies):,.0f} (5 adds)"
            ),
            check=tx_check,
        )
    )
    return rows


def _subset_check(
    stored: np.ndarray,
    queries: Queries,
    subset: np.ndarray,
    sample: np.ndarray,
    truths: dict[int, dict[int, int]],
    query_rows: np.ndarray,
    keys: np.ndarray,
    found_distances: np.ndarray,
) -> Check:
    picked = Queries(queries.words, np.full(len(queries), -1), np.full(len(queries), -1))
    picked.source[subset] = queries.source[subset]
    picked.flipped[subset] = queries.flipped[subset]
    results = Results(
        query_rows.astype(np.int64), keys.astype(np.int64), found_distances.astype(np.int64)
    )
    return check_answers(stored, picked, results, sample, truths)


# --- hashing ---------------------------------------------------------------------------------


def bench_hashing(count: int) -> bool:
    import pdqhash
    from PIL import Image

    from hotline.matching.hashing import hash_stream
    from hotline.matching.hashing.pdq_algorithm import hamming_distance
    from hotline.matching.synthetic import encode, synthetic_image

    images = [encode(synthetic_image(seed)) for seed in range(count)]

    def baseline(data: bytes) -> bytes:
        vector, _ = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
        return np.packbits(vector.astype(np.uint8)).tobytes()

    def ours(data: bytes) -> bytes:
        return bytes.fromhex(hash_stream(io.BytesIO(data), names=["pdq"]).values["pdq"].value)

    rows = []
    results = {}
    for name, function in [
        ("pdqhash.compute, full decode (anchor)", baseline),
        ("Hotline pipeline", ours),
    ]:
        function(images[0])
        wall, cpu = time.perf_counter(), time.thread_time()
        results[name] = [function(data) for data in images]
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        rows.append([name, f"{count / wall:.0f}", f"{count / cpu:.0f}"])
    speedup = float(rows[1][2]) / float(rows[0][2])
    worst = max(hamming_distance(a, b) for a, b in zip(*results.values(), strict=True))
    print(f"\n### PDQ hashing: {count} generated 1024x768 JPEGs (quality 90), one thread")
    _table(["pipeline", "images/s (wall)", "images/s per CPU-second"], rows)
    print(
        f"Hotline / pdqhash per core: {speedup:.1f}x; largest Hamming distance between the two: {worst}"
    )
    return True


# --- exact lookups ---------------------------------------------------------------------------


def bench_exact(size: int, lookups: int) -> bool:
    from hotline.matching.index import ExactIndex

    rng = np.random.default_rng(7)
    ok = True
    rows = []
    for name, digest_size in (("MD5", 16), ("SHA-256", 32)):
        raw = rng.integers(0, 256, size=(size, digest_size), dtype=np.uint8)
        digests = [raw[i].tobytes() for i in range(size)]
        before = _settled_rss()
        started = time.perf_counter()
        index = ExactIndex(digest_size)
        index.add(np.arange(size, dtype=np.int64), digests)
        build = time.perf_counter() - started
        memory = _settled_rss() - before
        started = time.perf_counter()
        known = set(digests)
        set_build = time.perf_counter() - started
        # What a set-based index holds: its table and one bytes object per digest.
        set_bytes = sys.getsizeof(known) + sum(sys.getsizeof(digest) for digest in digests)
        picks = raw[rng.integers(0, size, lookups // 2)]
        unknown = rng.integers(0, 256, size=(lookups - len(picks), digest_size), dtype=np.uint8)
        queries = np.concatenate([picks, unknown])
        query_bytes = [row.tobytes() for row in queries]
        started = time.thread_time()
        query_rows, _ = index.lookup_many(queries)
        batch = time.thread_time() - started
        singles = query_bytes[:50_000]
        started = time.thread_time()
        single_hits = sum(1 for digest in singles if index.lookup(digest))
        single = time.thread_time() - started
        started = time.thread_time()
        set_hits = sum(1 for digest in query_bytes if digest in known)
        set_time = time.thread_time() - started
        batch_hits = len(set(query_rows.tolist()))
        expected_single = sum(1 for digest in singles if digest in known)
        agree = batch_hits == set_hits and single_hits == expected_single
        ok = ok and agree
        rows.append(
            [
                f"{name}, Hotline ExactIndex",
                f"{size:,}",
                f"{build:.1f}",
                f"{lookups / batch:,.0f}",
                f"{len(singles) / single:,.0f}",
                f"{index.nbytes() / size:.0f} (RSS {memory / size:.0f})",
                f"{batch_hits:,} ({'agrees' if agree else 'DISAGREES'} with the set)",
            ]
        )
        rows.append(
            [
                f"{name}, Python set of bytes (anchor)",
                f"{size:,}",
                f"{set_build:.1f}",
                "-",
                f"{len(query_bytes) / set_time:,.0f}",
                f"{set_bytes / size:.0f} (table + bytes objects)",
                f"{set_hits:,}",
            ]
        )
        del index, known, digests, raw
        gc.collect()
    print(f"\n### Exact lookups: half known, half unknown; {lookups:,} lookups, one thread")
    _table(
        [
            "index",
            "entries",
            "build s",
            "batched lookups/CPU-s",
            "single lookups/CPU-s",
            "bytes per entry",
            "hits",
        ],
        rows,
    )
    return ok


# --- /api/v1/match over HTTP -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SETUP = """
import sys, django
django.setup()
from hotline.accounts import actions as accounts
from hotline.accounts.models import Organisation
from hotline.matching import actions
org = accounts.create_organisation(name="Bench platform", kind="industry", country="US", acting_user=None)
issued = accounts.issue_credential(
    organisation=org, name="bench", kind="company_intake", scopes=["match"], acting_user=None
)
hash_list = actions.create_hash_list(name="Bench PDQ", acting_user=None)
with open(sys.argv[1], "rb") as stream:
    actions.import_hash_list(hash_list, stream, format_name="pdq", acting_user=None)
print(issued.token)
"""


def bench_http(size: int, requests: int, threads: int) -> bool:
    rng = np.random.default_rng(3)
    stored = rng.integers(0, 2**64, size=(size, 4), dtype=np.uint64)
    queries = make_queries(stored, requests, rng)
    values = hex_rows(queries.words)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-match-") as var:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            {
                "HOTLINE_VAR_DIR": var,
                "HOTLINE_DATABASE_URL": f"sqlite:///{var}/bench.sqlite3",
                "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_MATCHING_API_REQUESTS_PER_MINUTE": str(10**9),
                "HOTLINE_MATCHING_INDEX_REFRESH_SECONDS": "3600",
                "DJANGO_SETTINGS_MODULE": "hotline.settings",
                "PYTHONPATH": str(ROOT),
            }
        )
        listing = Path(var) / "list.pdq"
        listing.write_text("".join(f"{value},90\n" for value in hex_rows(stored)))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", "migrate", "-v0"], env=env, check=True, cwd=ROOT
        )
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(listing)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        token = setup.stdout.strip().splitlines()[-1]
        loaded = time.perf_counter() - started
        # Entry ids follow the file's order, so row i of `stored` is the entry with the i-th id.
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "run",
                "--no-worker",
                "--no-scheduler",
                "--bind",
                f"127.0.0.1:{port}",
                "--threads",
                str(threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

            def ask(value: str) -> tuple[int, dict[str, Any]]:
                body = json.dumps({"hashes": [f"pdq:{value}"]})
                connection.request("POST", "/api/v1/match", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, json.loads(response.read() or b"{}")

            started = time.perf_counter()
            status, _ = ask(values[0])  # the first request loads the index from the database
            first = time.perf_counter() - started
            latencies = []
            wrong = 0
            statuses = {status}
            for row, value in enumerate(values):
                begin = time.perf_counter_ns()
                status, answer = ask(value)
                latencies.append((time.perf_counter_ns() - begin) / 1e6)
                statuses.add(status)
                found = {
                    match["distance"]
                    for result in answer.get("results", [])
                    for match in result["matches"]
                }
                expected = {int(queries.flipped[row])} if queries.flipped[row] >= 0 else set()
                if status != 200 or found != expected:
                    wrong += 1
            elapsed = sum(latencies) / 1000
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\n### POST /api/v1/match over HTTP: one PDQ hash per request, one keep-alive client,"
        f" `hotline run` (waitress, {threads} threads, SQLite) with {size:,} PDQ hashes loaded by"
        " the sync from the database"
    )
    _table(
        [
            "requests",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "first request (index load) s",
            "setup s (migrate + import)",
            "wrong answers",
        ],
        [
            [
                f"{len(values):,}",
                f"{len(values) / elapsed:,.0f}",
                f"{statistics.median(latencies):.2f}",
                f"{_percentile(latencies, 0.99):.2f}",
                f"{first:.1f}",
                f"{loaded:.1f}",
                f"{wrong} (statuses {sorted(statuses)})",
            ]
        ],
    )
    return wrong == 0


# --- entry point -----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench matching", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--size",
        type=int,
        action="append",
        help="known PDQ hashes (repeat for several; default 1000000; the field's scale: 10000000)",
    )
    parser.add_argument(
        "--queries", type=int, default=20_000, help="PDQ queries for Hotline's index"
    )
    parser.add_argument(
        "--anchor-queries", type=int, default=2_000, help="queries for each index anchor"
    )
    parser.add_argument(
        "--recall-sample", type=int, default=200, help="queries checked against brute force"
    )
    parser.add_argument(
        "--adds", type=int, default=1_000, help="hashes added one by one after the build"
    )
    parser.add_argument("--images", type=int, default=200, help="images for the hashing rows")
    parser.add_argument("--exact-size", type=int, default=1_000_000)
    parser.add_argument(
        "--http-size", type=int, default=20_000, help="PDQ hashes behind the HTTP API"
    )
    parser.add_argument("--http-requests", type=int, default=2_000)
    parser.add_argument("--http-threads", type=int, default=4)
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--no-anchors", action="store_true", help="skip faiss and threatexchange (not for figures)"
    )
    parser.add_argument(
        "--break-index",
        action="store_true",
        help="make Hotline's index exact only to distance 15, to see the check fail",
    )
    return parser


def main(argv: list[str]) -> int:
    options = _parser().parse_args(argv)
    sections = [name.strip() for name in options.sections.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    print(conditions())
    if not options.no_anchors:
        missing = [name for name in ("faiss", "threatexchange", "pdqhash") if _missing(name)]
        if missing:
            print(f"anchors missing ({', '.join(missing)}): pip install -e '.[bench]'")
            return 2
    failures = []
    if "hashing" in sections and not options.no_anchors:
        bench_hashing(options.images)
    if "pdq" in sections:
        for size in options.size or [1_000_000]:
            checks = bench_pdq(
                size,
                options.queries,
                options.anchor_queries,
                options.recall_sample,
                options.adds,
                anchors=not options.no_anchors,
                break_index=options.break_index,
            )
            failures += [
                f"PDQ at {size:,}, {check.label}: {check.summary()}"
                for check in checks
                if not check.ok
            ]
    if "exact" in sections and not bench_exact(options.exact_size, 1_000_000):
        failures.append("exact lookups disagree with the set")
    if "http" in sections and not bench_http(
        options.http_size, options.http_requests, options.http_threads
    ):
        failures.append("/api/v1/match gave wrong answers")
    if failures:
        print("\nFAILED correctness checks:")
        for failure in failures:
            print(f"- {failure}")
        return 1
    print("\nall correctness checks passed")
    return 0


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
