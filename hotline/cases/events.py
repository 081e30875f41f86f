"""Events of the cases app (see ``hotline.core.events`` for the style and
``hotline.site.pipeline`` for who listens, in which order)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.cases.models import Assessment, Item
from hotline.core.events import Event


@dataclass(frozen=True)
class ItemAssessed:
    """An item has its final verdict: an assessment that needed no second opinion, or one a
    supervisor confirmed. Sent by ``assess_item`` and ``confirm_assessment`` inside their
    transaction, after the item's status and its reports' statuses are updated."""

    item: Item
    assessment: Assessment


item_assessed: Event[ItemAssessed] = Event("cases.item_assessed", ItemAssessed)
