"""The registry of enrichment steps: what runs in the background for each new item.

An enricher is a function ``(items) -> [dict | None, ...]`` registered by an app (the hosting
trace, hash matching, ...): it gets the items of one batch and returns one result per item,
in order, ``None`` for an item the step does not apply to. It may store what it learns in its
own models; a result's ``known_match`` key, when set, goes into the item's ``known_match``.
A step that is simplest written for one item at a time is registered with
``register_enricher`` and called once per item. Adding a step is registering one function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.cases.models import Item
from hotline.core.registry import Registry

EnrichmentResult = dict[str, Any] | None
Enricher = Callable[[Item], EnrichmentResult]
BatchEnricher = Callable[[Sequence[Item]], list[EnrichmentResult]]
ENRICHERS: Registry[BatchEnricher] = Registry("enricher")


@dataclass(frozen=True)
class _OneByOne:
    """A one-item enricher called for each item of a batch (equal wrappers of one function
    are equal, so registering it again, as a second ``ready()`` does, is harmless)."""

    enricher: Enricher

    def __call__(self, items: Sequence[Item]) -> list[EnrichmentResult]:
        return [self.enricher(item) for item in items]


def register_batch_enricher(name: str, enricher: BatchEnricher) -> None:
    """Run ``enricher`` on every batch of new items, after those registered before it."""
    ENRICHERS.register(name, enricher)


def register_enricher(name: str, enricher: Enricher) -> None:
    """Run the one-item ``enricher`` for every new item, after those registered before it."""
    ENRICHERS.register(name, _OneByOne(enricher))
