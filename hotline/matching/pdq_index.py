"""PDQ radius search with multi-index hashing (MIH): exact, incremental, compiled inner loop.

**Why it is exact.** Split the 256 bits into ``m`` chunks and give chunk ``i`` a
probe radius ``r_i`` with ``sum(r_i + 1) >= d + 1``. If two hashes are within
distance ``d``, some chunk differs in at most ``r_i`` bits (otherwise the
distance would be at least ``sum(r_i + 1) > d``). So probing every chunk value
within ``r_i`` of the query's finds every match; each candidate is then checked
on the full 256 bits. Recall is 1.0 by construction; the tests and
``python -m bench matching`` compare against brute force. (Norouzi, Punjani &
Fleet, "Fast search in Hamming space with multi-index hashing", 2012; Meta's
``pdq`` MIH and faiss's ``IndexBinaryMultiHash`` use the same pigeonhole.)

**Why it is fast.** Chunk width tracks the segment size (``2**width <= n``), so
a probe hits about one entry; with ``d = 31`` that is 11 chunks of 23 bits at
10 M hashes, ~2,800 probes and ~3,300 candidates per query. Each chunk is a
counting-sort table (``offsets`` per chunk value, ``ids`` in value order). The
loop over probes and candidates is compiled (:mod:`hotline.matching.pdq_kernels`,
numba) and prefetches the next loads, so a single query costs about as much
as its cache misses: one query is one call, with no per-chunk numpy overhead.
The tables are allocated by numpy, which asks for transparent huge pages.

**Incremental.** New hashes go to a small buffer searched by brute force; a
full buffer becomes a segment, and segments of similar size merge (a log-
structured merge), so an add never rebuilds the whole index. A removal marks
the entry dead; a segment more than half dead is compacted.

**Memory.** Per hash: 32 bytes of hash, 4 of key (8 past 2**32), 1 of quality, and per probed
chunk 4 bytes of ``ids`` plus at most 4 of ``offsets``: ~118 bytes at 10 M
(3.7 x the raw 32 bytes).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hotline.matching import pdq_kernels as kernels
from hotline.matching.hashing.pdq_algorithm import HASH_BYTES

HASH_BITS = 256
WORDS = 4
DEFAULT_RADIUS = 31
DEFAULT_MIN_QUALITY = 50
# Past this, probing costs more than brute force; PDQ match thresholds stay far below.
MAX_RADIUS = 64
# Quality stored for a hash whose quality is not known: it is never filtered out.
UNKNOWN_QUALITY = 100
_REMOVED = np.uint8(255)
_MIN_WIDTH = 8
_MAX_WIDTH = 24

Words = npt.NDArray[np.uint64]
Int64s = npt.NDArray[np.int64]


def words_from_digests(digests: npt.NDArray[np.uint8] | Sequence[bytes]) -> Words:
    """An (n, 4) uint64 array from n 32-byte hashes (most significant word first)."""
    if isinstance(digests, np.ndarray):
        raw = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, HASH_BYTES)
        return raw.view(">u8").astype(np.uint64)
    buffer = b"".join(digests)
    if len(buffer) != HASH_BYTES * len(digests):
        raise ValueError("every PDQ hash has 32 bytes")
    return np.frombuffer(buffer, dtype=">u8").reshape(-1, WORDS).astype(np.uint64)


def words_from_hex(values: Sequence[str]) -> Words:
    """An (n, 4) uint64 array from n PDQ hashes written as 64 hex characters."""
    return words_from_digests([bytes.fromhex(value) for value in values])


def popcount_rows(xored: Words) -> Int64s:
    """Bits set in each row of an (n, 4) uint64 array: the distance once hashes are XORed."""
    counts = np.bitwise_count(xored)
    # Adding the four columns beats a reduction over a short axis by ~4x.
    total = counts[:, 0].astype(np.int64)
    for column in range(1, WORDS):
        total += counts[:, column]
    return total


def distances(words: Words, query: Words) -> Int64s:
    """Hamming distance of each row of ``words`` to one query row (brute force)."""
    return popcount_rows(words ^ query.reshape(1, WORDS))


@dataclass(frozen=True)
class Chunk:
    """Bits ``[start, start + width)`` of the hash (0 = most significant), probed within ``radius``."""

    start: int
    width: int
    radius: int


def plan_chunks(size: int, radius: int) -> tuple[Chunk, ...]:
    """The probed chunks for a segment of ``size`` hashes searched within ``radius``.

    Width ``floor(log2(size))`` (8 to 24 bits) keeps buckets near one entry and
    the offsets table no larger than 4 bytes per hash. Radii follow the
    pigeonhole budget ``sum(r_i + 1) = radius + 1``; a chunk whose share is
    zero is not probed (and gets no table). Bits left over past the last full
    chunk are not indexed, which the pigeonhole argument allows.
    """
    width = min(_MAX_WIDTH, max(_MIN_WIDTH, int(math.log2(max(size, 2)))))
    count = HASH_BITS // width
    base, extra = divmod(radius + 1, count)
    chunks = []
    for index in range(count):
        chunk_radius = base if index < extra else base - 1
        if chunk_radius > width:
            raise ValueError(f"radius {radius} is too large for multi-index hashing")
        if chunk_radius >= 0:
            chunks.append(Chunk(index * width, width, chunk_radius))
    return tuple(chunks)


@functools.lru_cache(maxsize=128)
def probe_masks(width: int, radius: int) -> npt.NDArray[np.uint32]:
    """Every ``width``-bit value with at most ``radius`` bits set, as XOR masks."""
    masks = [0]
    for flips in range(1, radius + 1):
        for bits in itertools.combinations(range(width), flips):
            masks.append(sum(1 << bit for bit in bits))
    return np.array(masks, dtype=np.uint32)


def chunk_values(words: Words, chunk: Chunk) -> npt.NDArray[np.uint32]:
    """The value of ``chunk`` in each row of ``words``."""
    word, bit = divmod(chunk.start, 64)
    if bit + chunk.width <= 64:
        shift = np.uint64(64 - bit - chunk.width)
        values = (words[:, word] >> shift) & np.uint64((1 << chunk.width) - 1)
    else:
        high_bits = 64 - bit
        low_bits = chunk.width - high_bits
        high = (words[:, word] & np.uint64((1 << high_bits) - 1)) << np.uint64(low_bits)
        values = high | (words[:, word + 1] >> np.uint64(64 - low_bits))
    return values.astype(np.uint32)


@dataclass(frozen=True)
class Hits:
    """Search results as parallel arrays: query row, stored key, Hamming distance."""

    query: Int64s
    key: Int64s
    distance: Int64s


def _empty_hits() -> Hits:
    empty = np.empty(0, dtype=np.int64)
    return Hits(empty, empty, empty)


def _concat_hits(parts: list[Hits]) -> Hits:
    parts = [part for part in parts if part.query.size]
    if not parts:
        return _empty_hits()
    return Hits(
        np.concatenate([part.query for part in parts]),
        np.concatenate([part.key for part in parts]),
        np.concatenate([part.distance for part in parts]),
    )


class _Segment:
    """An immutable multi-index over a set of hashes, sorted by key; removals mark quality."""

    def __init__(
        self, keys: Int64s, words: Words, quality: npt.NDArray[np.uint8], radius: int
    ) -> None:
        order = np.argsort(keys, kind="stable")
        # Entry ids fit 32 bits in practice: half the memory for keys then.
        small = len(keys) == 0 or (keys.min() >= 0 and keys.max() < 2**32)
        self.keys: npt.NDArray[np.integer[Any]] = np.ascontiguousarray(
            keys[order], dtype=np.uint32 if small else np.int64
        )
        self.words = np.ascontiguousarray(words[order], dtype=np.uint64)
        self.quality = np.ascontiguousarray(quality[order], dtype=np.uint8)
        self.removed = 0
        self.chunks = plan_chunks(len(self.keys), radius)
        self.width = self.chunks[0].width
        self.starts = np.array([chunk.start for chunk in self.chunks], dtype=np.int64)
        self.radii = np.array([chunk.radius for chunk in self.chunks], dtype=np.int64)
        self.masks, self.mask_counts = _probe_plan(self.width, int(self.radii.max()))
        # Allocated by numpy (huge pages on large arrays), filled by the compiled loop.
        self.offsets = np.zeros((len(self.chunks), (1 << self.width) + 1), dtype=np.uint32)
        self.ids = np.empty((len(self.chunks), len(self.keys)), dtype=np.uint32)
        kernels.fill_tables(self.words, self.starts, self.width, self.offsets, self.ids)

    def __len__(self) -> int:
        return len(self.keys) - self.removed

    def nbytes(self) -> int:
        return (
            self.keys.nbytes
            + self.words.nbytes
            + self.quality.nbytes
            + self.offsets.nbytes
            + self.ids.nbytes
        )

    def live(self) -> tuple[Int64s, Words, npt.NDArray[np.uint8]]:
        alive = self.quality != _REMOVED
        return self.keys[alive].astype(np.int64), self.words[alive], self.quality[alive]

    def remove(self, keys: Int64s) -> int:
        if self.keys.dtype == np.uint32:
            # Same dtype on both sides: searchsorted would otherwise copy the whole key
            # array to int64 on every call (~30 ms per single add at 10 M).
            keys = keys[(keys >= 0) & (keys < 2**32)].astype(np.uint32)
        where = np.searchsorted(self.keys, keys)
        inside = where < len(self.keys)
        where = where[inside]
        where = where[self.keys[where] == keys[inside]]
        where = where[self.quality[where] != _REMOVED]
        self.quality[where] = _REMOVED
        self.removed += len(where)
        return len(where)

    def search(self, queries: Words, radius: int, min_quality: int) -> Hits:
        query, row, distance = kernels.search_segment(
            self.words,
            self.quality,
            self.offsets,
            self.ids,
            self.starts,
            self.radii,
            self.width,
            self.masks,
            self.mask_counts,
            queries,
            radius,
            min_quality,
        )
        return Hits(query, self.keys[row].astype(np.int64), distance)


@functools.lru_cache(maxsize=64)
def _probe_plan(width: int, radius: int) -> tuple[npt.NDArray[np.uint32], Int64s]:
    """Masks of at most ``radius`` bits in ``width`` (fewest bits first), and how many have at most r."""
    masks = probe_masks(width, radius)
    counts = np.array([math.comb(width, flips) for flips in range(radius + 1)], dtype=np.int64)
    return masks, np.cumsum(counts)


class PdqIndex:
    """Radius search over PDQ hashes keyed by integers (hash entry ids).

    ``radius`` is the largest distance a query may ask for (the chunking
    depends on it); ``min_quality`` hides stored hashes of lower quality at
    query time, so changing it needs no rebuild.
    """

    def __init__(
        self,
        *,
        radius: int = DEFAULT_RADIUS,
        min_quality: int = DEFAULT_MIN_QUALITY,
        buffer_size: int = 1024,
    ) -> None:
        if not 0 <= radius <= MAX_RADIUS:
            raise ValueError(f"radius must be between 0 and {MAX_RADIUS}, got {radius}")
        self.radius = radius
        self.min_quality = min_quality
        self.buffer_size = buffer_size
        self._segments: list[_Segment] = []
        self._buffer_keys = np.empty(0, dtype=np.int64)
        self._buffer_words = np.empty((0, WORDS), dtype=np.uint64)
        self._buffer_quality = np.empty(0, dtype=np.uint8)

    def __len__(self) -> int:
        return sum(len(segment) for segment in self._segments) + len(self._buffer_keys)

    @property
    def segment_sizes(self) -> list[int]:
        """Live hashes per segment, oldest first (the buffer excluded)."""
        return [len(segment) for segment in self._segments]

    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        buffer = self._buffer_keys.nbytes + self._buffer_words.nbytes + self._buffer_quality.nbytes
        return buffer + sum(segment.nbytes() for segment in self._segments)

    def add(
        self,
        keys: Iterable[int] | Int64s,
        words: Words,
        qualities: Iterable[int | None] | npt.NDArray[np.uint8] | None = None,
    ) -> None:
        """Add hashes (rows of ``words``, see :func:`words_from_digests`) under ``keys``.

        A key already present is replaced. ``None`` quality means unknown, never filtered.
        """
        key_array = np.fromiter(keys, dtype=np.int64) if not isinstance(keys, np.ndarray) else keys
        key_array = key_array.astype(np.int64, copy=False)
        word_array = np.asarray(words, dtype=np.uint64).reshape(-1, WORDS)
        if qualities is None:
            quality = np.full(len(key_array), UNKNOWN_QUALITY, dtype=np.uint8)
        elif isinstance(qualities, np.ndarray):
            quality = np.clip(qualities, 0, 100).astype(np.uint8)
        else:
            quality = np.array(
                [UNKNOWN_QUALITY if q is None else min(max(q, 0), 100) for q in qualities],
                dtype=np.uint8,
            )
        if not len(key_array) == len(word_array) == len(quality):
            raise ValueError("keys, hashes and qualities must have the same length")
        if len(np.unique(key_array)) != len(key_array):
            raise ValueError("keys must be unique within one call")
        self.remove(key_array)
        if len(key_array) >= self.buffer_size:
            self._segments.append(_Segment(key_array, word_array, quality, self.radius))
            self._merge()
            return
        self._buffer_keys = np.concatenate([self._buffer_keys, key_array])
        self._buffer_words = np.concatenate([self._buffer_words, word_array])
        self._buffer_quality = np.concatenate([self._buffer_quality, quality])
        if len(self._buffer_keys) >= self.buffer_size:
            self._flush()

    def remove(self, keys: Iterable[int] | Int64s) -> int:
        """Remove the hashes stored under ``keys`` (unknown keys are ignored); returns how many."""
        key_array = np.fromiter(keys, dtype=np.int64) if not isinstance(keys, np.ndarray) else keys
        key_array = np.unique(key_array.astype(np.int64, copy=False))
        if key_array.size == 0:
            return 0
        in_buffer = np.isin(self._buffer_keys, key_array)
        removed = int(in_buffer.sum())
        if removed:
            keep = ~in_buffer
            self._buffer_keys = self._buffer_keys[keep]
            self._buffer_words = self._buffer_words[keep]
            self._buffer_quality = self._buffer_quality[keep]
        for index, segment in enumerate(self._segments):
            removed += segment.remove(key_array)
            if segment.removed * 2 > len(segment.keys):
                self._segments[index] = _Segment(*segment.live(), self.radius)
        self._segments = [segment for segment in self._segments if len(segment)]
        return removed

    def compact(self) -> None:
        """Merge every segment and the buffer into one segment.

        After a bulk load the log-structured merge leaves a few segments of falling
        size, and each is probed on every query: one segment searches fastest.
        """
        if len(self._segments) + bool(len(self._buffer_keys)) <= 1:
            return
        parts = [segment.live() for segment in self._segments]
        parts.append((self._buffer_keys, self._buffer_words, self._buffer_quality))
        keys = np.concatenate([part[0] for part in parts])
        words = np.concatenate([part[1] for part in parts])
        quality = np.concatenate([part[2] for part in parts])
        self._segments = [_Segment(keys, words, quality, self.radius)] if len(keys) else []
        self._buffer_keys = np.empty(0, dtype=np.int64)
        self._buffer_words = np.empty((0, WORDS), dtype=np.uint64)
        self._buffer_quality = np.empty(0, dtype=np.uint8)

    def _flush(self) -> None:
        segment = _Segment(self._buffer_keys, self._buffer_words, self._buffer_quality, self.radius)
        self._buffer_keys = np.empty(0, dtype=np.int64)
        self._buffer_words = np.empty((0, WORDS), dtype=np.uint64)
        self._buffer_quality = np.empty(0, dtype=np.uint8)
        self._segments.append(segment)
        self._merge()

    def _merge(self) -> None:
        # Keep segment sizes geometric (each older one at least 4x the next), so there
        # are O(log n) segments and every hash is rewritten O(log n) times in total.
        self._segments.sort(key=len, reverse=True)
        while len(self._segments) >= 2 and len(self._segments[-2]) < 4 * len(self._segments[-1]):
            newer = self._segments.pop()
            older = self._segments.pop()
            parts = [older.live(), newer.live()]
            self._segments.append(
                _Segment(
                    np.concatenate([part[0] for part in parts]),
                    np.concatenate([part[1] for part in parts]),
                    np.concatenate([part[2] for part in parts]),
                    self.radius,
                )
            )
            self._segments.sort(key=len, reverse=True)

    def _search_buffer(self, queries: Words, radius: int, min_quality: int) -> Hits:
        if not len(self._buffer_keys):
            return _empty_hits()
        query, row, distance = kernels.search_flat(
            self._buffer_words, self._buffer_quality, queries, radius, min_quality
        )
        return Hits(query, self._buffer_keys[row], distance)

    def search_words(
        self, queries: Words, *, radius: int | None = None, min_quality: int | None = None
    ) -> Hits:
        """Every stored hash within ``radius`` of each query row, as parallel arrays.

        Results are grouped by query row; order within a query is unspecified.
        """
        radius = self.radius if radius is None else radius
        if radius > self.radius:
            raise ValueError(f"this index answers distances up to {self.radius}, not {radius}")
        min_quality = self.min_quality if min_quality is None else min_quality
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, WORDS)
        found = [self._search_buffer(queries, radius, min_quality)]
        found += [segment.search(queries, radius, min_quality) for segment in self._segments]
        hits = _concat_hits(found)
        if len(queries) == 1:
            return hits
        order = np.argsort(hits.query, kind="stable")
        return Hits(hits.query[order], hits.key[order], hits.distance[order])

    def search(
        self, digest: bytes, *, radius: int | None = None, min_quality: int | None = None
    ) -> list[tuple[int, int]]:
        """``(key, distance)`` of every stored hash within ``radius`` of one 32-byte hash, nearest first."""
        hits = self.search_words(
            words_from_digests([digest]), radius=radius, min_quality=min_quality
        )
        return sorted(zip(hits.key.tolist(), hits.distance.tolist(), strict=True), key=_by_distance)


def _by_distance(item: tuple[int, int]) -> tuple[int, int]:
    return item[1], item[0]
