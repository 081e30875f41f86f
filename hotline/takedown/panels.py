"""The takedown timeline on the item page (registered on import; ``TakedownConfig.ready``)."""

from __future__ import annotations

from typing import Any

from hotline.cases.models import Item
from hotline.cases.panels import ITEM_PANELS
from hotline.takedown.models import Timeline


def timeline(item: Item) -> dict[str, Any]:
    """``timeline``: every step of the item's life so far (``None`` before the first)."""
    return {"timeline": Timeline.objects.filter(item=item).first()}


ITEM_PANELS.register("timeline", timeline)
