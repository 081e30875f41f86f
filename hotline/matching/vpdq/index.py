"""Known videos by their frames: every usable frame hash in one PDQ index.

HMA's way (python-threatexchange's ``VPDQIndex``): each indexed video keeps its unique
frame hashes of sufficient quality; they all go into one :class:`PdqIndex` keyed by
frame id, so a query video costs one batched radius search of its own unique frames,
not a comparison with every known video. The hits give, per candidate video, how many
of the query's frames found one of its frames and how many of its frames were found;
the shares follow (:mod:`.compare`) without reading the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hotline.matching.pdq_index import DEFAULT_MIN_QUALITY, DEFAULT_RADIUS, PdqIndex, words_from_hex
from hotline.matching.vpdq.compare import usable_hashes
from hotline.matching.vpdq.features import VpdqFeature


@dataclass(frozen=True)
class IndexedFrame:
    """One stored frame to index: its key (``VpdqFrame`` id), PDQ hex and quality."""

    key: int
    pdq: str
    quality: int


@dataclass(frozen=True)
class VideoHit:
    """A known video (entry key) sharing frames with a query, and the shares (percent)."""

    key: int
    query_percent: float
    index_percent: float


class VpdqIndex:
    """Videos under integer keys (``HashEntry`` ids), searchable by a query's frames."""

    def __init__(
        self, *, radius: int = DEFAULT_RADIUS, min_quality: int = DEFAULT_MIN_QUALITY
    ) -> None:
        self.radius = radius
        self.min_quality = min_quality
        self._frames = PdqIndex(radius=radius, min_quality=0)
        self._frame_video: dict[int, int] = {}
        self._video_frames: dict[int, list[int]] = {}

    def __len__(self) -> int:
        """How many videos are indexed."""
        return len(self._video_frames)

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    def add(self, key: int, frames: Sequence[IndexedFrame]) -> None:
        """Index a video's unique usable frames under ``key`` (replacing what it had)."""
        self.add_many([(key, frames)])

    def add_many(self, videos: Iterable[tuple[int, Sequence[IndexedFrame]]]) -> None:
        """Index many videos at once: one removal pass and one insert into the PDQ index,
        so loading a large list costs one pass, not one per video."""
        batch = list(videos)
        self.remove([key for key, _ in batch])
        keys: list[int] = []
        hashes: list[str] = []
        qualities: list[int] = []
        for key, frames in batch:
            unique: dict[str, IndexedFrame] = {}
            for frame in frames:
                if frame.quality >= self.min_quality:
                    unique.setdefault(frame.pdq, frame)
            self._video_frames[key] = [frame.key for frame in unique.values()]
            for frame in unique.values():
                self._frame_video[frame.key] = key
                keys.append(frame.key)
                hashes.append(frame.pdq)
                qualities.append(frame.quality)
        if keys:
            self._frames.add(keys, words_from_hex(hashes), qualities)

    def remove(self, keys: Iterable[int]) -> int:
        """Forget the videos under ``keys``; returns how many were indexed."""
        removed = 0
        frames: list[int] = []
        for key in keys:
            known = self._video_frames.pop(key, None)
            if known is None:
                continue
            removed += 1
            frames += known
        for frame in frames:
            self._frame_video.pop(frame, None)
        if frames:
            self._frames.remove(np.asarray(frames, dtype=np.int64))
        return removed

    def search(
        self, features: Iterable[VpdqFeature], *, radius: int | None = None
    ) -> list[VideoHit]:
        """Every indexed video with a frame within ``radius`` of a usable query frame.

        Shares are over unique usable frames on both sides; videos that are found
        but have no usable frames cannot appear. Best first: indexed share, then query share.
        """
        radius = self.radius if radius is None else radius
        hashes = usable_hashes(features, self.min_quality)
        if not hashes or not self._frame_video:
            return []
        hits = self._frames.search_words(words_from_hex(hashes), radius=radius)
        if not len(hits.key):
            return []
        videos = np.fromiter(
            (self._frame_video[key] for key in hits.key.tolist()),
            dtype=np.int64,
            count=len(hits.key),
        )
        results = []
        for video in np.unique(videos).tolist():
            mine = videos == video
            query_found = len(np.unique(hits.query[mine]))
            frames_found = len(np.unique(hits.key[mine]))
            results.append(
                VideoHit(
                    int(video),
                    query_found * 100.0 / len(hashes),
                    frames_found * 100.0 / len(self._video_frames[video]),
                )
            )
        return sorted(results, key=lambda hit: (-hit.index_percent, -hit.query_percent, hit.key))
