"""The built-in enrichment steps: hosting trace for web addresses."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hotline.cases.enrichment import register_enricher
from hotline.cases.models import Item, ItemKind
from hotline.hosting.actions import trace_host
from hotline.hosting.queries import hosting_country


def hosting(item: Item) -> dict[str, Any] | None:
    """Resolve the item's host and record where it is hosted (country, AS, CDN, abuse contact)."""
    if item.kind != ItemKind.URL or not item.host:
        return None
    trace = trace_host(item.host)
    country = hosting_country(trace) or ""
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(hosting_trace=trace, hosting_country=country)
    return {"hosting_country": country}


register_enricher("hosting", hosting)
