"""Looking hashes up against the enabled hash lists."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.matching.errors import InvalidHash
from hotline.matching.hashing import algorithms_for_hex_length, get_algorithm, normalise_value
from hotline.matching.index import MatchIndex
from hotline.matching.models import HashEntry
from hotline.matching.sync import shared_index


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
    index = shared_index() if index is None else index
    hits = {hit.key: hit.distance for hit in index.lookup(algorithm, value, radius=radius)}
    entries = HashEntry.objects.filter(pk__in=hits, hash_list__enabled=True).select_related(
        "hash_list"
    )
    matches = [Match(entry, hits[entry.pk]) for entry in entries]
    return sorted(matches, key=lambda match: (match.distance, match.entry.hash_list.name))
