"""Whether two vPDQ hashes are the same video, as Meta's vPDQ and HMA decide it.

The frames are a bag of hashes: frame numbers and times play no part. Each side keeps
its unique frame hashes of quality at least ``min_quality``; a frame is *matched* when
a kept frame of the other side is within ``distance`` bits. The shares of matched
frames on each side (percent) are compared with two thresholds: the query's (a clip
of a known video has most of its frames in it) and the indexed video's (a copy padded
with other content still contains most of the known video).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from hotline.matching.pdq_index import Words, words_from_hex
from hotline.matching.vpdq.features import VpdqFeature

_BLOCK = 512


@dataclass(frozen=True)
class Thresholds:
    """The match settings: frame distance, frame quality floor and the two shares (percent)."""

    distance: int
    min_quality: int
    query_percent: float
    index_percent: float

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            distance=int(settings.VPDQ_MAX_DISTANCE),
            min_quality=int(settings.VPDQ_MIN_QUALITY),
            query_percent=float(settings.VPDQ_QUERY_MATCH_PERCENT),
            index_percent=float(settings.VPDQ_INDEX_MATCH_PERCENT),
        )

    def accepts(self, query_percent: float, index_percent: float) -> bool:
        """Both shares reach their thresholds (and something matched at all)."""
        return (
            query_percent > 0
            and index_percent > 0
            and query_percent >= self.query_percent
            and index_percent >= self.index_percent
        )


@dataclass(frozen=True)
class Comparison:
    """Shares (percent) of the query's and the compared video's usable frames that matched."""

    query_percent: float
    compared_percent: float


def usable_hashes(features: Iterable[VpdqFeature], min_quality: int) -> list[str]:
    """The unique frame hashes of quality at least ``min_quality``, in first-seen order."""
    return list(dict.fromkeys(f.pdq for f in features if f.quality >= min_quality))


def _matched(first: Words, second: Words, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of each side have a row of the other within ``distance`` (brute force)."""
    first_hit = np.zeros(len(first), dtype=bool)
    second_hit = np.zeros(len(second), dtype=bool)
    for start in range(0, len(first), _BLOCK):
        block = first[start : start + _BLOCK]
        xored = block[:, None, :] ^ second[None, :, :]
        close = np.bitwise_count(xored).sum(axis=2, dtype=np.int64) <= distance
        first_hit[start : start + _BLOCK] = close.any(axis=1)
        second_hit |= close.any(axis=0)
    return first_hit, second_hit


def _percent(hit: np.ndarray) -> float:
    return float(hit.sum()) * 100.0 / len(hit) if len(hit) else 0.0


def compare(
    query: Iterable[VpdqFeature],
    compared: Iterable[VpdqFeature],
    *,
    distance: int,
    min_quality: int,
) -> Comparison:
    """The shares of matched frames of two vPDQ hashes (brute force; see the module doc)."""
    query_words = _words(usable_hashes(query, min_quality))
    compared_words = _words(usable_hashes(compared, min_quality))
    if not len(query_words) or not len(compared_words):
        return Comparison(0.0, 0.0)
    query_hit, compared_hit = _matched(query_words, compared_words, distance)
    return Comparison(_percent(query_hit), _percent(compared_hit))


def _words(hashes: list[str]) -> Words:
    if not hashes:
        return np.empty((0, 4), dtype=np.uint64)
    return words_from_hex(hashes)
