"""Matching benchmarks: PDQ hashing throughput, PDQ radius search and exact lookups at scale.

``python -m bench matching`` runs 1 M and 10 M; ``python bench/matching.py --quick`` only 1 M.
Images are generated benign pictures (``hotline.matching.synthetic``); hashes are random.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import io
import time

import numpy as np
from PIL import Image


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


def bench_hashing(count: int) -> None:
    import pdqhash

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
    for name, function in [("pdqhash.compute, full decode", baseline), ("hotline pipeline", ours)]:
        function(images[0])
        wall, cpu = time.perf_counter(), time.process_time()
        results[name] = [function(data) for data in images]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append([name, f"{count / wall:.0f}", f"{count / cpu:.0f}"])
    speedup = float(rows[1][2]) / float(rows[0][2])
    worst = max(hamming_distance(a, b) for a, b in zip(*results.values(), strict=True))
    print(f"\n### (a) PDQ hashing: {count} generated 1024x768 JPEGs (quality 90), one process")
    _table(["pipeline", "images/s (wall)", "images/s per CPU-second"], rows)
    print(f"speed-up per core: {speedup:.1f}x; max Hamming distance between pipelines: {worst}")


def _queries(words: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Half: stored hashes with 0-15 bits flipped; half: random misses."""
    picked = words[rng.integers(0, len(words), count // 2)].copy()
    for row in range(len(picked)):
        for bit in rng.choice(256, size=int(rng.integers(0, 16)), replace=False):
            picked[row, bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    misses = rng.integers(0, 2**64, size=(count - len(picked), 4), dtype=np.uint64)
    return np.concatenate([picked, misses])


def bench_pdq_index(sizes: list[int], query_count: int, recall_sample: int) -> None:
    from hotline.matching.pdq_index import PdqIndex, distances

    rows = []
    for size in sizes:
        rng = np.random.default_rng(size)
        words = rng.integers(0, 2**64, size=(size, 4), dtype=np.uint64)
        quality = np.full(size, 100, dtype=np.uint8)
        queries = _queries(words, query_count, rng)
        before = _settled_rss()
        started = time.perf_counter()
        index = PdqIndex()
        index.add(np.arange(size, dtype=np.int64), words, quality)
        build = time.perf_counter() - started
        memory = _settled_rss() - before
        index.search_words(queries[:256])  # warm caches of probe masks
        wall, cpu = time.perf_counter(), time.process_time()
        hits = index.search_words(queries)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        found = truth = 0
        sample = np.concatenate(
            [np.arange(recall_sample // 2), len(queries) // 2 + np.arange(recall_sample // 2)]
        )
        for row in sample:
            expected = set(np.flatnonzero(distances(words, queries[row]) <= 31).tolist())
            got = set(hits.key[hits.query == row].tolist())
            truth += len(expected)
            found += len(expected & got)
        recall = found / truth if truth else 1.0
        rows.append(
            [
                f"{size:,}",
                f"{build:.1f}",
                f"{query_count / wall:,.0f}",
                f"{query_count / cpu:,.0f}",
                f"{memory / 2**20:,.0f}",
                f"{memory / size:.0f} ({memory / size / 32:.1f}x)",
                f"{index.nbytes() / size:.0f}",
                f"{recall:.4f} ({found}/{truth})",
            ]
        )
        del index, words, hits
        gc.collect()
    print(
        f"\n### (b) PDQ radius search, d <= 31, random known hashes; {query_count:,} queries "
        "(half known with 0-15 bits flipped, half random misses), one thread"
    )
    _table(
        [
            "known hashes",
            "build s",
            "queries/s",
            "queries/CPU-s",
            "RSS delta MiB",
            "RSS B/hash (vs 32 raw)",
            "array B/hash",
            f"recall vs brute force ({recall_sample} queries)",
        ],
        rows,
    )


def bench_exact(size: int, lookups: int) -> None:
    from hotline.matching.index import ExactIndex

    rng = np.random.default_rng(7)
    digests = rng.integers(0, 256, size=(size, 16), dtype=np.uint8)
    before = _settled_rss()
    started = time.perf_counter()
    index = ExactIndex(16)
    index._add_segment(np.arange(size, dtype=np.int64), digests)
    build = time.perf_counter() - started
    memory = _settled_rss() - before
    known = digests[rng.integers(0, size, lookups // 2)]
    unknown = rng.integers(0, 256, size=(lookups - len(known), 16), dtype=np.uint8)
    queries = np.concatenate([known, unknown])
    wall = time.perf_counter()
    query_rows, _ = index.lookup_many(queries)
    batch = time.perf_counter() - wall
    singles = [bytes(row) for row in queries[:20000]]
    wall = time.perf_counter()
    single_hits = sum(1 for digest in singles if index.lookup(digest))
    single = time.perf_counter() - wall
    print(f"\n### (c) exact MD5 lookups, {size:,} entries, half known, half unknown")
    _table(
        ["entries", "build s", "batch lookups/s", "single lookups/s", "RSS MiB", "B/entry", "hits"],
        [
            [
                f"{size:,}",
                f"{build:.1f}",
                f"{lookups / batch:,.0f}",
                f"{len(singles) / single:,.0f}",
                f"{memory / 2**20:,.0f}",
                f"{memory / size:.0f}",
                f"{len(set(query_rows.tolist())):,} batch, {single_hits:,}/{len(singles):,} single",
            ]
        ],
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench matching")
    parser.add_argument("--quick", action="store_true", help="1 M hashes only")
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--queries", type=int, default=20000)
    parser.add_argument("--recall-sample", type=int, default=100)
    options = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    django.setup()
    sizes = [1_000_000] if options.quick else [1_000_000, 10_000_000]
    import platform

    print(
        f"conditions: {platform.python_implementation()} {platform.python_version()},"
        f" {os.cpu_count()} CPUs, numpy {np.__version__},"
        f" OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}"
    )
    bench_hashing(options.images)
    bench_pdq_index(sizes, options.queries, options.recall_sample)
    bench_exact(sizes[-1], 1_000_000)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
