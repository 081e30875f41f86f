"""In-memory match indexes: exact digests per algorithm, and PDQ by distance (:mod:`.pdq_index`).

A worker keeps one :class:`MatchIndex` and keeps it current from the database
(:mod:`hotline.matching.sync`); keys are ``HashEntry`` ids, so a hit is looked
up in the database, which stays the authority (enabled lists, categories).

The exact index keeps digests in sorted numpy arrays (24 to 40 bytes per
entry, against ~150 for a dict of ``bytes``), with the first 8 bytes as a
``uint64`` sort key and the full digest to confirm; like the PDQ index it is
log-structured: a small dict buffer, sorted segments merged by size, removals
marked in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hotline.matching.hashing import get_algorithm, registered
from hotline.matching.pdq_index import (
    DEFAULT_MIN_QUALITY,
    DEFAULT_RADIUS,
    PdqIndex,
    words_from_digests,
)
from hotline.matching.vpdq.index import IndexedFrame, VpdqIndex

Int64s = npt.NDArray[np.int64]


class _ExactSegment:
    def __init__(self, keys: Int64s, digests: npt.NDArray[np.uint8]) -> None:
        prefixes = digests[:, :8].copy().view(">u8").ravel().astype(np.uint64)
        order = np.argsort(prefixes, kind="stable")
        self.prefixes = prefixes[order]
        self.digests = np.ascontiguousarray(digests[order])
        self.keys = keys[order]
        self.alive = np.ones(len(keys), dtype=bool)

    def __len__(self) -> int:
        return int(self.alive.sum())

    def nbytes(self) -> int:
        return self.prefixes.nbytes + self.digests.nbytes + self.keys.nbytes + self.alive.nbytes

    def remove(self, keys: Int64s) -> int:
        # O(segment) per call: removals arrive in batches from the sync, not one by one.
        hit = np.isin(self.keys, keys) & self.alive
        self.alive[hit] = False
        return int(hit.sum())

    def lookup_one(self, digest: bytes) -> list[int]:
        prefix = np.uint64(int.from_bytes(digest[:8], "big"))
        row = int(self.prefixes.searchsorted(prefix))
        found = []
        while row < len(self.prefixes) and self.prefixes[row] == prefix:
            if self.alive[row] and self.digests[row].tobytes() == digest:
                found.append(int(self.keys[row]))
            row += 1
        return found

    def lookup(self, digests: npt.NDArray[np.uint8]) -> tuple[Int64s, Int64s]:
        prefixes = digests[:, :8].copy().view(">u8").ravel().astype(np.uint64)
        low = np.searchsorted(self.prefixes, prefixes, side="left")
        high = np.searchsorted(self.prefixes, prefixes, side="right")
        counts = (high - low).astype(np.int64)
        hit = np.flatnonzero(counts)
        if hit.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        counts = counts[hit]
        run_first = np.cumsum(counts) - counts
        rows = np.arange(int(counts.sum())) + np.repeat(low[hit] - run_first, counts)
        queries = np.repeat(hit, counts)
        same = (self.digests[rows] == digests[queries]).all(axis=1) & self.alive[rows]
        return queries[same], self.keys[rows[same]]


class ExactIndex:
    """Exact lookups of fixed-length digests under integer keys."""

    def __init__(self, digest_size: int, *, buffer_size: int = 65536) -> None:
        self.digest_size = digest_size
        self.buffer_size = buffer_size
        self._segments: list[_ExactSegment] = []
        self._buffer: dict[bytes, set[int]] = {}
        self._buffer_keys: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._buffer_keys) + sum(len(segment) for segment in self._segments)

    def nbytes(self) -> int:
        """Bytes held by the sorted segments (the small dict buffer not counted)."""
        return sum(segment.nbytes() for segment in self._segments)

    def add(self, keys: Sequence[int] | Int64s, digests: Sequence[bytes]) -> None:
        """Add digests under ``keys``; a key already present is replaced."""
        if len(keys) != len(digests):
            raise ValueError("keys and digests must have the same length")
        key_array = np.asarray(keys, dtype=np.int64)
        self.remove(key_array)
        if len(key_array) >= self.buffer_size:
            self._add_segment(key_array, self._digest_array(digests))
            return
        for key, digest in zip(key_array.tolist(), digests, strict=True):
            if len(digest) != self.digest_size:
                raise ValueError(f"expected {self.digest_size}-byte digests")
            self._buffer.setdefault(digest, set()).add(key)
            self._buffer_keys[key] = digest
        if len(self._buffer_keys) >= self.buffer_size:
            keys_list = list(self._buffer_keys)
            digests_list = [self._buffer_keys[key] for key in keys_list]
            self._buffer.clear()
            self._buffer_keys.clear()
            self._add_segment(np.array(keys_list, dtype=np.int64), self._digest_array(digests_list))

    def _digest_array(self, digests: Sequence[bytes]) -> npt.NDArray[np.uint8]:
        raw = b"".join(digests)
        if len(raw) != self.digest_size * len(digests):
            raise ValueError(f"expected {self.digest_size}-byte digests")
        return np.frombuffer(raw, dtype=np.uint8).reshape(-1, self.digest_size)

    def _add_segment(self, keys: Int64s, digests: npt.NDArray[np.uint8]) -> None:
        self._segments.append(_ExactSegment(keys, digests))
        self._segments.sort(key=len, reverse=True)
        while len(self._segments) >= 2 and len(self._segments[-2]) < 4 * len(self._segments[-1]):
            newer, older = self._segments.pop(), self._segments.pop()
            merged_keys = np.concatenate([older.keys[older.alive], newer.keys[newer.alive]])
            merged = np.concatenate([older.digests[older.alive], newer.digests[newer.alive]])
            self._segments.append(_ExactSegment(merged_keys, merged))
            self._segments.sort(key=len, reverse=True)

    def remove(self, keys: Iterable[int] | Int64s) -> int:
        """Remove whatever is stored under ``keys``; returns how many were removed."""
        key_array = np.unique(np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys))
        removed = 0
        for key in key_array.tolist():
            digest = self._buffer_keys.pop(key, None)
            if digest is not None:
                self._buffer[digest].discard(key)
                if not self._buffer[digest]:
                    del self._buffer[digest]
                removed += 1
        if key_array.size:
            for segment in self._segments:
                removed += segment.remove(key_array.astype(np.int64))
            self._segments = [segment for segment in self._segments if len(segment)]
        return removed

    def lookup(self, digest: bytes) -> list[int]:
        """The keys stored under ``digest``, sorted."""
        keys = set(self._buffer.get(digest, ()))
        if len(digest) == self.digest_size:
            # One binary search per segment: the batch path's dozen numpy calls cost ~30 µs.
            for segment in self._segments:
                keys.update(segment.lookup_one(digest))
        return sorted(keys)

    def lookup_many(self, digests: npt.NDArray[np.uint8]) -> tuple[Int64s, Int64s]:
        """For an (n, size) array of digests: parallel arrays (query row, key) of every hit."""
        queries: list[Int64s] = []
        keys: list[Int64s] = []
        for segment in self._segments:
            query, key = segment.lookup(digests)
            queries.append(query)
            keys.append(key)
        if self._buffer:
            for row, digest in enumerate(digests):
                found = self._buffer.get(digest.tobytes(), set())
                queries.append(np.full(len(found), row, dtype=np.int64))
                keys.append(np.array(sorted(found), dtype=np.int64))
        if not queries:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(queries), np.concatenate(keys)


@dataclass(frozen=True)
class IndexEntry:
    """One hash to index: its key (entry id), algorithm, hex value, quality (PDQ), frames (vPDQ)."""

    key: int
    algorithm: str
    value: str
    quality: int | None = None
    frames: tuple[IndexedFrame, ...] = ()


@dataclass(frozen=True)
class IndexHit:
    """A key found for a query, with the Hamming distance (0 for exact matches)."""

    key: int
    distance: int


class MatchIndex:
    """Every registered algorithm's index in one object: exact ones, PDQ and vPDQ videos."""

    def __init__(
        self,
        *,
        pdq_radius: int = DEFAULT_RADIUS,
        pdq_min_quality: int = DEFAULT_MIN_QUALITY,
        vpdq_radius: int = DEFAULT_RADIUS,
        vpdq_min_quality: int = DEFAULT_MIN_QUALITY,
    ) -> None:
        self.exact: dict[str, ExactIndex] = {
            name: ExactIndex(algorithm.hex_length // 2)
            for name, algorithm in registered().items()
            if not algorithm.perceptual
        }
        self.pdq = PdqIndex(radius=pdq_radius, min_quality=pdq_min_quality)
        self.vpdq = VpdqIndex(radius=vpdq_radius, min_quality=vpdq_min_quality)

    def __len__(self) -> int:
        return len(self.pdq) + len(self.vpdq) + sum(len(index) for index in self.exact.values())

    def add(self, entries: Iterable[IndexEntry]) -> None:
        """Index entries (any mix of algorithms); a key already present is replaced."""
        grouped: dict[str, list[IndexEntry]] = {}
        for entry in entries:
            grouped.setdefault(entry.algorithm, []).append(entry)
        for algorithm, group in grouped.items():
            keys = [entry.key for entry in group]
            digests = [bytes.fromhex(entry.value) for entry in group]
            if algorithm == "pdq":
                self.pdq.add(keys, words_from_digests(digests), [e.quality for e in group])
            elif algorithm == "vpdq":
                self.vpdq.add_many((entry.key, entry.frames) for entry in group)
            elif algorithm in self.exact:
                self.exact[algorithm].add(keys, digests)
            else:
                get_algorithm(algorithm)  # raises for unknown names
                raise ValueError(f"no index for perceptual algorithm {algorithm!r}")

    def compact(self) -> None:
        """After a bulk load: the PDQ index as one segment (see :meth:`PdqIndex.compact`)."""
        self.pdq.compact()

    def remove(self, keys: Iterable[int]) -> int:
        """Remove the entries stored under ``keys`` from every index."""
        key_array = np.asarray(list(keys), dtype=np.int64)
        return (
            self.pdq.remove(key_array)
            + self.vpdq.remove(key_array.tolist())
            + sum(index.remove(key_array) for index in self.exact.values())
        )

    def lookup(self, algorithm: str, value: str, *, radius: int | None = None) -> list[IndexHit]:
        """Keys matching ``value``: equal digests, or for PDQ every hash within ``radius``."""
        if algorithm == "vpdq":
            raise ValueError("a video is looked up by its frames: use MatchIndex.vpdq.search")
        digest = bytes.fromhex(value)
        if algorithm == "pdq":
            return [
                IndexHit(key, distance) for key, distance in self.pdq.search(digest, radius=radius)
            ]
        return [IndexHit(key, 0) for key in self.exact[algorithm].lookup(digest)]
