"""Events of the routing app (style: ``hotline.core.events``; listeners and their order:
``hotline.site.pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.cases.models import Item
from hotline.core.events import Event
from hotline.routing.models import Referral
from hotline.routing.outcomes import Outcome


@dataclass(frozen=True)
class ReferralDispatched:
    """A due referral went through its destination's dispatcher and routing recorded the
    outcome (``referral`` is the row as recorded). Sent by ``routing.actions.dispatch``."""

    referral: Referral
    outcome: Outcome


@dataclass(frozen=True)
class ReferralCancelled:
    """A supervisor cancelled a referral that had not gone out (``override_routing``)."""

    referral: Referral


@dataclass(frozen=True)
class PartnerReportedRemoval:
    """The partner hotline we forwarded an item to reports the content removed at ``at``
    (a federation ``status: removed`` message, ``routing.federation.actions``)."""

    item: Item
    at: datetime
    source: str


referral_dispatched: Event[ReferralDispatched] = Event(
    "routing.referral_dispatched", ReferralDispatched
)
referral_cancelled: Event[ReferralCancelled] = Event(
    "routing.referral_cancelled", ReferralCancelled
)
partner_reported_removal: Event[PartnerReportedRemoval] = Event(
    "routing.partner_reported_removal", PartnerReportedRemoval
)
