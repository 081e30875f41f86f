"""Looking hashes up against the enabled hash lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hotline.matching.errors import InvalidHash
from hotline.matching.hashing import algorithms_for_hex_length, get_algorithm, normalise_value
from hotline.matching.index import MatchIndex
from hotline.matching.models import HashEntry, VideoHash
from hotline.matching.sync import shared_index
from hotline.matching.vpdq.compare import Thresholds
from hotline.matching.vpdq.features import VpdqFeature, parse_text


@dataclass(frozen=True)
class Match:
    """A known hash matching a query: the entry, its list, and the distance (0 = identical)."""

    entry: HashEntry
    distance: int

    def as_dict(self) -> dict[str, object]:
        hash_list = self.entry.hash_list
        return {
            "list": hash_list.name,
            "trust_level": hash_list.trust_level,
            "entry_id": self.entry.pk,
            "algorithm": self.entry.algorithm,
            "value": self.entry.value,
            "distance": self.distance,
            "quality": self.entry.quality,
            "category": self.entry.category,
            "classification": hash_list.classification_for(self.entry.category),
        }


def parse_query(text: str) -> list[tuple[str, str]]:
    """The (algorithm, value) pairs a query stands for.

    ``algorithm:value`` names the algorithm; a bare value is recognised by its
    length, and 64 hex digits stand for both SHA-256 and PDQ.
    """
    name, _, value = text.strip().rpartition(":")
    if name:
        return [(get_algorithm(name).name, normalise_value(name, value))]
    candidates = algorithms_for_hex_length(len(value))
    if not candidates:
        raise InvalidHash(
            f"{value[:70]!r} has {len(value)} characters; expected 32 (MD5), 40 (SHA-1)"
            " or 64 (SHA-256 or PDQ) hexadecimal characters"
        )
    return [(algorithm.name, normalise_value(algorithm.name, value)) for algorithm in candidates]


def find_matches(
    algorithm: str, value: str, *, index: MatchIndex | None = None, radius: int | None = None
) -> list[Match]:
    """Entries of enabled lists matching a hash: equal, or for PDQ within ``radius``, nearest first."""
    return find_matches_many([(algorithm, value)], index=index, radius=radius)[0]


def find_matches_many(
    queries: Sequence[tuple[str, str]],
    *,
    index: MatchIndex | None = None,
    radius: int | None = None,
) -> list[list[Match]]:
    """``find_matches`` for each ``(algorithm, value)`` of ``queries``, in order, with one
    database read for all of them (none when the index has no hit)."""
    if not queries:
        return []
    index = shared_index() if index is None else index
    hits = [
        {hit.key: hit.distance for hit in index.lookup(algorithm, value, radius=radius)}
        for algorithm, value in queries
    ]
    keys = set().union(*hits)
    entries = (
        {
            entry.pk: entry
            for entry in HashEntry.objects.filter(
                pk__in=keys, hash_list__enabled=True
            ).select_related("hash_list")
        }
        if keys
        else {}
    )
    return [
        sorted(
            (Match(entries[key], distance) for key, distance in found.items() if key in entries),
            key=lambda match: (match.distance, match.entry.hash_list.name),
        )
        for found in hits
    ]


@dataclass(frozen=True)
class VideoMatch:
    """A known video matching a query video: the entry and the shares of matched frames."""

    entry: HashEntry
    query_percent: float
    index_percent: float

    def as_dict(self) -> dict[str, object]:
        hash_list = self.entry.hash_list
        return {
            "list": hash_list.name,
            "trust_level": hash_list.trust_level,
            "entry_id": self.entry.pk,
            "algorithm": "vpdq",
            "value": self.entry.value,
            "query_match_percent": round(self.query_percent, 2),
            "index_match_percent": round(self.index_percent, 2),
            "category": self.entry.category,
            "classification": hash_list.classification_for(self.entry.category),
        }


def find_video_matches(
    features: tuple[VpdqFeature, ...] | list[VpdqFeature],
    *,
    index: MatchIndex | None = None,
    thresholds: Thresholds | None = None,
) -> list[VideoMatch]:
    """Videos of enabled lists that a query vPDQ matches (both shares past the thresholds).

    Best first: the larger share of the known video matched, then of the query, then the
    most trusted list. ``thresholds`` default to the ``HOTLINE_VPDQ_*`` settings.
    """
    index = shared_index() if index is None else index
    thresholds = Thresholds.from_settings() if thresholds is None else thresholds
    hits = {
        hit.key: hit
        for hit in index.vpdq.search(features, radius=thresholds.distance)
        if thresholds.accepts(hit.query_percent, hit.index_percent)
    }
    entries = HashEntry.objects.filter(pk__in=hits, hash_list__enabled=True).select_related(
        "hash_list"
    )
    matches = [
        VideoMatch(entry, hits[entry.pk].query_percent, hits[entry.pk].index_percent)
        for entry in entries
    ]
    return sorted(
        matches,
        key=lambda m: (
            -m.index_percent,
            -m.query_percent,
            -m.entry.hash_list.trust_level,
            m.entry.pk,
        ),
    )


def video_hash_of(md5: str) -> tuple[VpdqFeature, ...] | None:
    """The vPDQ of a video we were given (by its MD5), or None when we never hashed it."""
    return video_hashes_of([md5]).get(md5.strip().lower())


def video_hashes_of(md5s: Iterable[str]) -> dict[str, tuple[VpdqFeature, ...]]:
    """``video_hash_of`` for several MD5s in one read: normalised MD5 → vPDQ, for those we
    hashed (none asked, no read)."""
    wanted = {md5.strip().lower() for md5 in md5s}
    if not wanted:
        return {}
    rows = VideoHash.objects.filter(md5__in=wanted).order_by("pk").values_list("md5", "features")
    found: dict[str, tuple[VpdqFeature, ...]] = {}
    for md5, text in rows:
        if md5 not in found and text:
            found[md5] = parse_text(text)
    return found
