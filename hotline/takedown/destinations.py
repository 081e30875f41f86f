"""The ``notice`` routing destination: the item goes on its hosting provider's next notice.

Registered on import (``TakedownConfig.ready`` imports this module). The referral stays
queued until ``send_notice`` really sends the notice; then routing marks it sent.
"""

from __future__ import annotations

from hotline.routing.destinations import DISPATCHERS
from hotline.routing.models import Destination, Referral
from hotline.routing.outcomes import Outcome, Waiting
from hotline.takedown.actions import add_to_notice


def notice(referral: Referral) -> Outcome:
    """Put the referred item on its provider's next notice (none known: a person names one)."""
    if referral.hosting_provider_id is None:
        return Waiting("no abuse contact known")
    add_to_notice(referral.online_item, referral=referral)
    return Waiting("on the next notice run")


DISPATCHERS.register(Destination.NOTICE, notice)
