"""The built-in enrichment steps: hosting trace for web addresses, known-material matching for files."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hotline.cases.enrichment.registry import register_enricher
from hotline.cases.models import Item, ItemKind
from hotline.hosting.actions import look_up_host, store_trace
from hotline.hosting.queries import findings_country
from hotline.matching.queries import (
    Match,
    VideoMatch,
    find_matches,
    find_video_matches,
    video_hash_of,
)
from hotline.matching.sync import pdq_min_quality


def hosting(item: Item) -> dict[str, Any] | None:
    """Resolve the item's host and record where it is hosted (country, AS, CDN, abuse contact)."""
    if item.kind != ItemKind.URL or not item.host:
        return None
    # The lookups (network) outside any transaction; the trace and the item's link to it are
    # stored in one, so an item never points at half a trace, in one commit.
    findings = look_up_host(item.host)
    with transaction.atomic():
        trace = store_trace(findings, acting_user=None)
        country = findings_country(findings) or ""
        Item.objects.filter(pk=item.pk).update(hosting_trace=trace, hosting_country=country)
    return {"hosting_country": country}


register_enricher("hosting", hosting)


def known_material(item: Item) -> dict[str, Any] | None:
    """Look the item's hashes up in every enabled hash list; the best match pre-classifies it.

    Exact hashes win over PDQ; among PDQ matches the nearest wins; ties go to the most
    trusted list. A video we hashed (an upload: its vPDQ kept under its MD5) that matches
    nothing exactly is matched by its frames, as HMA does; the known video with the
    largest share matched wins. The analyst then confirms instead of assessing afresh.
    """
    if item.kind != ItemKind.FILE:
        return None
    candidates: list[Match] = []
    for algorithm in ("sha256", "sha1", "md5"):
        value = getattr(item, algorithm)
        if value:
            candidates += find_matches(algorithm, value)
    if (
        not candidates
        and item.pdq
        and (item.pdq_quality is None or item.pdq_quality >= pdq_min_quality())
    ):
        candidates += find_matches("pdq", item.pdq)
    if not candidates and item.md5:
        features = video_hash_of(item.md5)
        videos = find_video_matches(features) if features else []
        if videos:
            return {"known_match": _video_match(videos[0], len(videos))}
    if not candidates:
        return {"known_match": None}
    best = min(
        candidates,
        key=lambda m: (m.entry.algorithm == "pdq", m.distance, -m.entry.hash_list.trust_level),
    )
    match = best.as_dict()
    return {
        "known_match": {
            "list": match["list"],
            "category": match["classification"] or match["category"],
            "algorithm": match["algorithm"],
            "distance": match["distance"],
            "entry_id": match["entry_id"],
            "trust_level": match["trust_level"],
            "matches": len(candidates),
        }
    }


def _video_match(best: VideoMatch, count: int) -> dict[str, Any]:
    match = best.as_dict()
    return {
        "list": match["list"],
        "category": match["classification"] or match["category"],
        "algorithm": "vpdq",
        "distance": None,
        "query_match_percent": match["query_match_percent"],
        "index_match_percent": match["index_match_percent"],
        "entry_id": match["entry_id"],
        "trust_level": match["trust_level"],
        "matches": count,
    }


register_enricher("known_material", known_material)
