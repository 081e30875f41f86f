"""Extra context for the item page from apps above cases (an extension point).

The item page shows what higher apps know of the item — the takedown timeline, for one —
without cases importing them: such an app registers a function here on import that returns
template context for the item (``takedown.panels`` registers ``timeline``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.cases.models import Item
from hotline.core.registry import Registry

ItemPanel = Callable[[Item], dict[str, Any]]
ITEM_PANELS: Registry[ItemPanel] = Registry("item page panel")


def panel_context(item: Item) -> dict[str, Any]:
    """The template context every registered panel adds for ``item``."""
    context: dict[str, Any] = {}
    for panel in ITEM_PANELS.values():
        context.update(panel(item))
    return context
