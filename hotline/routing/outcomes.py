"""What a dispatcher reports back to routing, which alone writes ``Referral`` rows.

A dispatcher (``hotline.routing.destinations``) carries a referral out — queues an e-mail or
a signed forward, puts the item on a notice or a list — and returns one of these. Routing's
``record_dispatch`` turns it into the referral's new state with its audit event, in the same
transaction, so the state of a referral has one writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Waiting:
    """Nothing went out (yet): the referral stays queued, e.g. for a liaison's hand-over, an
    inactive partner, or the next notice run that sends the notice."""

    reason: str = ""


@dataclass(frozen=True)
class Sent:
    """The referral went out (or its message is in the outbox): status *sent* at ``at``."""

    at: datetime
    outcome: str = ""
    message_id: UUID | None = None  # the outbox message that carries it


@dataclass(frozen=True)
class Closed:
    """The referral is carried out completely and closes at once (e.g. hashes listed)."""

    at: datetime
    outcome: str


Outcome = Waiting | Sent | Closed
