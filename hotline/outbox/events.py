"""Events of the outbox (style: ``hotline.core.events``; listeners and their order:
``hotline.site.pipeline``).

A higher app that queued a message (routing's referrals, takedown's notices) learns here
whether it arrived: the outbox knows nothing of them beyond ``related_type``/``related_id``.
Listeners run in the transaction that records the delivery outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.core.events import Event
from hotline.outbox.models import OutboxMessage


@dataclass(frozen=True)
class MessageDelivered:
    """The receiver accepted ``message`` (``delivered_at``, ``remote_answer`` are set)."""

    message: OutboxMessage


@dataclass(frozen=True)
class MessageFailed:
    """An attempt failed and another is scheduled (``last_error``, ``next_attempt_at``)."""

    message: OutboxMessage


@dataclass(frozen=True)
class MessageParked:
    """No more automatic attempts: attempts exhausted, a permanent refusal, or a person
    parked it (``outbox.actions.park``)."""

    message: OutboxMessage


message_delivered: Event[MessageDelivered] = Event("outbox.message_delivered", MessageDelivered)
message_failed: Event[MessageFailed] = Event("outbox.message_failed", MessageFailed)
message_parked: Event[MessageParked] = Event("outbox.message_parked", MessageParked)
