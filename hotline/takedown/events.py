"""Events of the takedown app (style: ``hotline.core.events``; listeners and their order:
``hotline.site.pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.cases.models import Item
from hotline.core.events import Event


@dataclass(frozen=True)
class RemovalConfirmed:
    """The content is confirmed gone ("content gone"): the item is closed as removed, its
    notices stopped, its timeline has ``removed_at`` = ``removed_at``. Sent by
    ``takedown.actions.confirm_removed``."""

    item: Item
    removed_at: datetime
    source: str


removal_confirmed: Event[RemovalConfirmed] = Event("takedown.removal_confirmed", RemovalConfirmed)
