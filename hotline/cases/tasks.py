"""Background work on cases: thin wrappers over actions, idempotent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django_tasks import task

from hotline.cases.actions import record_enrichments
from hotline.cases.enrichment.registry import ENRICHERS
from hotline.cases.models import Item
from hotline.core.worker import BATCH_RUNNERS

logger = logging.getLogger(__name__)


@task(queue_name="enrichment")
def enrich_item(*, item_id: int) -> list[str]:
    """Run every registered enricher on the item; safe to run twice (each step overwrites)."""
    return enrich_items([item_id])[0]


def enrich_items(item_ids: Sequence[int]) -> list[list[str]]:
    """``enrich_item`` for several items at once: each step runs once for the batch, and the
    results are recorded in one transaction (each item with its own ``item.enrich`` event).
    Returns, for each id in order, the steps that applied to it ([] for a deleted item).

    Raises when any step fails for any item, having recorded nothing for the batch; the
    worker then runs each item's task on its own, so the bad item fails alone."""
    found = Item.objects.in_bulk(item_ids)
    items = [found[pk] for pk in dict.fromkeys(item_ids) if pk in found]
    done: dict[int, list[str]] = {item.pk: [] for item in items}
    known_matches: dict[int, dict[str, Any] | None] = {item.pk: None for item in items}
    if items:
        for name, enricher in ENRICHERS.items():
            results = enricher(items)
            if len(results) != len(items):
                raise ValueError(f"enricher {name!r} gave {len(results)} results for {len(items)}")
            for item, result in zip(items, results, strict=True):
                if result is None:  # the step does not apply to this kind of item
                    continue
                done[item.pk].append(name)
                if result.get("known_match"):
                    known_matches[item.pk] = result["known_match"]
        record_enrichments(known_matches)
    return [done.get(pk, []) for pk in item_ids]


def enrich_runs(runs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The worker's batch runner for ``enrich_item``: the items of the consecutive runs in a
    claimed batch are enriched together, in one ``enrich_items`` call."""
    return enrich_items([int(run["item_id"]) for run in runs])


BATCH_RUNNERS.register(enrich_item.module_path, enrich_runs)
