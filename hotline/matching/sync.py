"""Keeping a worker's in-memory :class:`MatchIndex` in step with the database.

Any worker process can build the index from the database and then refresh it
incrementally: entries are never edited in place, so new ones are those above
the highest id loaded, and removals and switching a list off or on raise the
list's ``revision``, after which only that list is reconciled. Hits are
always read back from the database (:mod:`hotline.matching.queries`), so a
refresh that is a little late can miss a new entry but never reports a
removed one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from django.conf import settings

from hotline.matching.index import IndexEntry, MatchIndex
from hotline.matching.models import HashEntry, HashList, VpdqFrame
from hotline.matching.vpdq.index import IndexedFrame

# Rows read and added per batch when loading entries (also what `python -m bench matching` adds by).
LOAD_BATCH = 20000


def pdq_radius() -> int:
    return int(settings.MATCHING_PDQ_MAX_DISTANCE)


def pdq_min_quality() -> int:
    return int(settings.MATCHING_PDQ_MIN_QUALITY)


def _new_index() -> MatchIndex:
    return MatchIndex(
        pdq_radius=pdq_radius(),
        pdq_min_quality=pdq_min_quality(),
        vpdq_radius=int(settings.VPDQ_MAX_DISTANCE),
        vpdq_min_quality=int(settings.VPDQ_MIN_QUALITY),
    )


def _with_frames(batch: list[IndexEntry]) -> list[IndexEntry]:
    """The batch with each video's frames read in (one query for the batch's videos)."""
    videos = [entry.key for entry in batch if entry.algorithm == "vpdq"]
    if not videos:
        return batch
    frames: dict[int, list[IndexedFrame]] = {}
    rows = VpdqFrame.objects.filter(entry_id__in=videos).values_list(
        "entry_id", "id", "pdq", "quality"
    )
    for entry_id, key, pdq, quality in rows.iterator(chunk_size=LOAD_BATCH):
        frames.setdefault(entry_id, []).append(IndexedFrame(key, pdq, quality))
    return [
        IndexEntry(e.key, e.algorithm, e.value, e.quality, tuple(frames.get(e.key, ())))
        if e.algorithm == "vpdq"
        else e
        for e in batch
    ]


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    lists_reconciled: int = 0
    compacted: bool = False


def settle_after_load(index: MatchIndex, added: int) -> bool:
    """Compact ``index`` when a load brought at least half its entries (the first load, a
    huge import): one segment searches fastest, and smaller loads stay cheap adds."""
    if added >= LOAD_BATCH and added * 2 >= len(index):
        index.compact()
        return True
    return False


@dataclass
class IndexSync:
    """A :class:`MatchIndex` and what it has loaded, refreshed from the database on demand."""

    index: MatchIndex = field(default_factory=_new_index)
    high_water: int = 0
    revisions: dict[int, int] = field(default_factory=dict)
    loaded: dict[int, npt.NDArray[np.int64]] = field(default_factory=dict)

    def _load(self, queryset: object) -> tuple[int, dict[int, list[int]]]:
        added = 0
        per_list: dict[int, list[int]] = {}
        batch: list[IndexEntry] = []
        rows = queryset.values_list(  # type: ignore[attr-defined]
            "id", "hash_list_id", "algorithm", "value", "quality"
        ).order_by("id")
        for key, list_id, algorithm, value, quality in rows.iterator(chunk_size=LOAD_BATCH):
            batch.append(IndexEntry(key, algorithm, value, quality))
            per_list.setdefault(list_id, []).append(key)
            self.high_water = max(self.high_water, key)
            if len(batch) >= LOAD_BATCH:
                self.index.add(_with_frames(batch))
                added += len(batch)
                batch = []
        self.index.add(_with_frames(batch))
        return added + len(batch), per_list

    def _remember(self, per_list: dict[int, list[int]]) -> None:
        for list_id, keys in per_list.items():
            fresh = np.array(keys, dtype=np.int64)
            known = self.loaded.get(list_id)
            self.loaded[list_id] = fresh if known is None else np.union1d(known, fresh)

    def refresh(self) -> SyncReport:
        """Bring the index up to date: new entries, removed entries, lists switched off or on."""
        report = SyncReport()
        lists = dict(HashList.objects.values_list("id", "enabled"))
        current = dict(HashList.objects.values_list("id", "revision"))
        changed = [
            list_id
            for list_id in set(self.revisions) | set(current)
            if self.revisions.get(list_id) != current.get(list_id)
        ]
        watermark = self.high_water
        for list_id in changed:
            if list_id in self.revisions or list_id not in current:
                report.lists_reconciled += 1
            known = self.loaded.pop(list_id, np.empty(0, dtype=np.int64))
            if not lists.get(list_id, False):
                report.removed += self.index.remove(known)
                continue
            present = np.fromiter(
                HashEntry.objects.filter(hash_list_id=list_id, id__lte=watermark).values_list(
                    "id", flat=True
                ),
                dtype=np.int64,
            )
            report.removed += self.index.remove(np.setdiff1d(known, present))
            missing = np.setdiff1d(present, known)
            self.loaded[list_id] = np.intersect1d(known, present)
            if missing.size:
                added, per_list = self._load(HashEntry.objects.filter(id__in=missing.tolist()))
                report.added += added
                self._remember(per_list)
        self.revisions = current
        enabled = [list_id for list_id, on in lists.items() if on]
        added, per_list = self._load(
            HashEntry.objects.filter(id__gt=watermark, hash_list_id__in=enabled)
        )
        report.added += added
        self._remember(per_list)
        if settle_after_load(self.index, added):
            report.compacted = True
        return report


_shared: IndexSync | None = None
# When the shared index was last refreshed (time.monotonic()); None: never, so load it now.
_shared_checked: float | None = None
_lock = threading.Lock()


def shared_index(*, max_age_seconds: float | None = None) -> MatchIndex:
    """This process's index, built on first use and refreshed when older than ``max_age_seconds``."""
    global _shared, _shared_checked
    age = (
        float(settings.MATCHING_INDEX_REFRESH_SECONDS)
        if max_age_seconds is None
        else max_age_seconds
    )
    with _lock:
        if _shared is None:
            _shared = IndexSync()
            _shared_checked = None
        # Not "monotonic() - 0 >= age": monotonic counts from boot, so on a machine up for
        # less than the refresh age the first use would never have loaded anything.
        if _shared_checked is None or time.monotonic() - _shared_checked >= age:
            _shared.refresh()
            _shared_checked = time.monotonic()
        return _shared.index


def reset_shared_index() -> None:
    """Forget this process's index (tests; after changing the PDQ settings)."""
    global _shared
    with _lock:
        _shared = None
