"""The takedown timeline on the item page and the notice on a notice referral's page
(registered on import; ``TakedownConfig.ready``)."""

from __future__ import annotations

from typing import Any

from hotline.cases.models import Item
from hotline.cases.panels import ITEM_PANELS
from hotline.routing.models import Destination, Referral
from hotline.routing.panels import REFERRAL_PANELS
from hotline.takedown.models import Timeline
from hotline.takedown.queries import notice_of_referral


def timeline(item: Item) -> dict[str, Any]:
    """``timeline``: every step of the item's life so far (``None`` before the first)."""
    return {"timeline": Timeline.objects.filter(item=item).first()}


ITEM_PANELS.register("timeline", timeline)


def referral_notice(referral: Referral) -> dict[str, Any]:
    """``notice``: the notice a notice referral's item is on, its provider and schedule."""
    if referral.destination != Destination.NOTICE:
        return {}
    on = notice_of_referral(referral.pk)
    return {"notice_panel": {"notice": on.notice if on else None, "notice_item": on}}


REFERRAL_PANELS.register("notice", referral_notice)
