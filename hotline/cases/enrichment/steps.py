"""The built-in enrichment steps: hosting trace for web addresses, known-material matching for
files. Both take a batch of items (a worker's claimed batch, or one item) and do their reads
and writes for the whole batch at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from hotline.cases.enrichment.registry import EnrichmentResult, register_batch_enricher
from hotline.cases.models import Item, ItemKind
from hotline.hosting.actions import look_up_host, store_traces
from hotline.hosting.queries import findings_country
from hotline.hosting.trace import TraceFindings
from hotline.matching.queries import (
    Match,
    VideoMatch,
    find_matches_many,
    find_video_matches,
    video_hashes_of,
)
from hotline.matching.sync import pdq_min_quality


def hosting(items: Sequence[Item]) -> list[EnrichmentResult]:
    """Resolve each web address's host and record where it is hosted (country, AS, CDN, abuse
    contact); ``None`` for items that are no web address."""
    traced = [item for item in items if item.kind == ItemKind.URL and item.host]
    if not traced:
        return [None] * len(items)
    # The lookups (network) outside any transaction, once per host of the batch; the traces
    # (one per item, as one lookup each would have made) and the items' links to them are
    # stored in one transaction, so an item never points at half a trace.
    looked_up: dict[str, TraceFindings] = {}
    for item in traced:
        if item.host not in looked_up:
            looked_up[item.host] = look_up_host(item.host)
    findings = [looked_up[item.host] for item in traced]
    countries = [findings_country(found) or "" for found in findings]
    with transaction.atomic():
        traces = store_traces(findings, acting_user=None)
        for item, trace, country in zip(traced, traces, countries, strict=True):
            item.hosting_trace = trace
            item.hosting_country = country
        if len(traced) == 1:  # a plain UPDATE: bulk_update's CASE costs more to build
            Item.objects.filter(pk=traced[0].pk).update(
                hosting_trace=traces[0], hosting_country=countries[0]
            )
        else:
            Item.objects.bulk_update(traced, ["hosting_trace", "hosting_country"])
    country_of = {item.pk: country for item, country in zip(traced, countries, strict=True)}
    return [
        {"hosting_country": country_of[item.pk]} if item.pk in country_of else None
        for item in items
    ]


register_batch_enricher("hosting", hosting)


def known_material(items: Sequence[Item]) -> list[EnrichmentResult]:
    """Look each file's hashes up in every enabled hash list; the best match pre-classifies it.

    Exact hashes win over PDQ; among PDQ matches the nearest wins; ties go to the most
    trusted list. A video we hashed (an upload: its vPDQ kept under its MD5) that matches
    nothing exactly is matched by its frames, as HMA does; the known video with the
    largest share matched wins. The analyst then confirms instead of assessing afresh.
    ``None`` for items that are no file. Each stage is one read for the whole batch.
    """
    files = [item for item in items if item.kind == ItemKind.FILE]
    candidates: dict[int, list[Match]] = {item.pk: [] for item in files}
    exact = [
        (item, algorithm, getattr(item, algorithm))
        for item in files
        for algorithm in ("sha256", "sha1", "md5")
        if getattr(item, algorithm)
    ]
    found = find_matches_many([(algorithm, value) for _, algorithm, value in exact])
    for (item, _, _), matches in zip(exact, found, strict=True):
        candidates[item.pk] += matches
    min_quality = pdq_min_quality()
    by_pdq = [
        item
        for item in files
        if not candidates[item.pk]
        and item.pdq
        and (item.pdq_quality is None or item.pdq_quality >= min_quality)
    ]
    found = find_matches_many([("pdq", item.pdq) for item in by_pdq])
    for item, matches in zip(by_pdq, found, strict=True):
        candidates[item.pk] += matches
    videos = video_hashes_of(item.md5 for item in files if not candidates[item.pk] and item.md5)
    results: dict[int, EnrichmentResult] = {}
    for item in files:
        if not candidates[item.pk] and item.md5:
            features = videos.get(item.md5.strip().lower())
            video_matches = find_video_matches(features) if features else []
            if video_matches:
                results[item.pk] = {
                    "known_match": _video_match(video_matches[0], len(video_matches))
                }
                continue
        results[item.pk] = {"known_match": _best_match(candidates[item.pk])}
    return [results.get(item.pk) if item.kind == ItemKind.FILE else None for item in items]


def _best_match(candidates: list[Match]) -> dict[str, Any] | None:
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda m: (m.entry.algorithm == "pdq", m.distance, -m.entry.hash_list.trust_level),
    )
    match = best.as_dict()
    return {
        "list": match["list"],
        "category": match["classification"] or match["category"],
        "algorithm": match["algorithm"],
        "distance": match["distance"],
        "entry_id": match["entry_id"],
        "trust_level": match["trust_level"],
        "matches": len(candidates),
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


register_batch_enricher("known_material", known_material)
