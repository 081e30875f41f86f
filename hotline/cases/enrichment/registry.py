"""The registry of enrichment steps: what runs in the background for each new item.

An enricher is a function ``(item) -> dict | None`` registered by an app (the
hosting trace, hash matching, ...). It may store what it learns in its own
models; what it returns is merged into the item's ``known_match`` when it has
a ``known_match`` key. Adding a step is registering one function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.cases.models import Item
from hotline.core.registry import Registry

Enricher = Callable[[Item], dict[str, Any] | None]
ENRICHERS: Registry[Enricher] = Registry("enricher")


def register_enricher(name: str, enricher: Enricher) -> None:
    """Run ``enricher`` for every new item, after those registered before it."""
    ENRICHERS.register(name, enricher)
