"""Background work on cases: thin wrappers over actions, idempotent."""

from __future__ import annotations

import logging

from django_tasks import task

from hotline.cases.actions import record_enrichment
from hotline.cases.enrichment.registry import ENRICHERS
from hotline.cases.models import Item

logger = logging.getLogger(__name__)


@task(queue_name="enrichment")
def enrich_item(*, item_id: int) -> list[str]:
    """Run every registered enricher on the item; safe to run twice (each step overwrites)."""
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        return []
    known_match = None
    done = []
    for name, enricher in ENRICHERS.items():
        result = enricher(item)
        if result is None:  # the step does not apply to this kind of item
            continue
        done.append(name)
        if result.get("known_match"):
            known_match = result["known_match"]
    record_enrichment(item, known_match=known_match)
    return done
