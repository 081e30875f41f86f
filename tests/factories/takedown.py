"""Items whose content is gone, removed through takedown's own actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.cases.models import Item
from hotline.takedown.actions import confirm_removed
from tests.factories.cases import AssessedItemFactory


class RemovedItemFactory(AssessedItemFactory):
    """An illegal page hosted at home (FR by default), assessed, then confirmed removed by
    ``confirm_removed`` (``removed_at`` when, ``removal_source`` how it was seen): the item is
    closed as removed, its notices stop and the removal hooks (blocklist, partner status)
    run. Set up routing first (``routing_world()``) for the referrals to exist."""

    hosted_in = "FR"
    removed_at: datetime | None = None
    removal_source = "liveness checks"

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        when = kwargs.pop("removed_at")
        source = kwargs.pop("removal_source")
        item = super()._create(model_class, *args, **kwargs)
        confirm_removed(item, when=when, source=source)
        item.refresh_from_db()
        return item
