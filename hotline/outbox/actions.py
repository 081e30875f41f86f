"""Queueing and delivering outbox messages.

``enqueue`` runs inside the caller's transaction, so a message exists exactly
when the change that causes it is committed. ``deliver_due`` is called by every
worker: it claims due messages with a lease (``SELECT ... FOR UPDATE SKIP
LOCKED`` on PostgreSQL, the write lock on SQLite), delivers them, and records
the outcome. A worker that dies mid-delivery leaves a lease that expires; the
message is then claimed again. Delivery is at least once; receivers dedupe on
the message id (``Idempotency-Key`` / ``Message-ID``).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hotline.audit.actions import AuditActor, record
from hotline.outbox.channels import PermanentFailure, get_channel
from hotline.outbox.events import (
    MessageDelivered,
    MessageFailed,
    MessageParked,
    message_delivered,
    message_failed,
    message_parked,
)
from hotline.outbox.models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


def enqueue(
    channel: str,
    destination: str,
    payload: dict[str, Any],
    *,
    related: models.Model | None = None,
    message_id: uuid.UUID | None = None,
) -> OutboxMessage:
    """Queue one outgoing message; call it in the transaction of the change that causes it.

    ``message_id`` lets a caller put the message's id (the receivers' idempotency key) into the
    payload before it is stored; by default a new one is drawn."""
    get_channel(channel)  # an unknown channel is a programming error: fail the transaction now
    message = OutboxMessage(
        id=message_id or uuid.uuid4(), channel=channel, destination=destination, payload=payload
    )
    if related is not None:
        message.related_type = f"{related._meta.app_label}.{related._meta.model_name}"
        message.related_id = str(related.pk)
    message.save(force_insert=True)
    return message


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: base, 2 x base, 4 x base, ... capped at six hours."""
    base = settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    delay = timedelta(seconds=base * random.uniform(0.8, 1.2))
    return min(delay, MAX_BACKOFF)


def claim_due(worker_id: str, *, limit: int = 10) -> list[OutboxMessage]:
    """Lease up to ``limit`` due messages to this worker; the attempt is counted at claim time,
    so a message that crashes its worker still reaches the attempt limit."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
            .filter(models.Q(lease_until__isnull=True) | models.Q(lease_until__lt=now))
            .order_by("next_attempt_at")
        )
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(id__in=ids).update(
            claimed_by=worker_id, lease_until=lease_until, attempts=models.F("attempts") + 1
        )
    return list(OutboxMessage.objects.filter(id__in=ids, claimed_by=worker_id))


def _finish(message: OutboxMessage, worker_id: str, **fields: Any) -> OutboxMessage | None:
    # Conditional on our lease: if it expired and another worker took over, it owns the outcome.
    updated = OutboxMessage.objects.filter(
        id=message.id, claimed_by=worker_id, status=MessageStatus.PENDING
    ).update(claimed_by="", lease_until=None, **fields)
    if updated != 1:
        return None
    return OutboxMessage.objects.get(id=message.id)


def _park_after_failure(message: OutboxMessage, worker_id: str, error: str, now: Any) -> None:
    finished = _finish(
        message,
        worker_id,
        status=MessageStatus.FAILED,
        last_error=error,
        last_attempt_at=now,
        parked_at=now,
    )
    if finished is not None:
        message_parked.send(MessageParked(message=finished))


def deliver_one(message: OutboxMessage, worker_id: str) -> None:
    """Deliver one claimed message and record the outcome with its event (``message_delivered``,
    ``message_failed`` or ``message_parked``), the event's listeners in the same transaction."""
    try:
        answer = get_channel(message.channel).deliver(message)
    except PermanentFailure as exc:
        logger.warning("outbox %s parked: %s", message.id, exc)
        with transaction.atomic():
            _park_after_failure(message, worker_id, str(exc)[:4000], timezone.now())
        return
    except Exception as exc:
        # Anything else (TemporaryFailure, a bug, an unexpected network error) is retried.
        now = timezone.now()
        with transaction.atomic():
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                logger.warning(
                    "outbox %s parked after %d attempts: %s", message.id, message.attempts, exc
                )
                _park_after_failure(message, worker_id, str(exc)[:4000], now)
            else:
                finished = _finish(
                    message,
                    worker_id,
                    next_attempt_at=now + backoff(message.attempts),
                    last_error=str(exc)[:4000],
                    last_attempt_at=now,
                )
                if finished is not None:
                    message_failed.send(MessageFailed(message=finished))
        return
    now = timezone.now()
    with transaction.atomic():
        finished = _finish(
            message,
            worker_id,
            status=MessageStatus.DELIVERED,
            delivered_at=now,
            last_attempt_at=now,
            remote_answer=(answer or "")[:4000],
            last_error="",
        )
        if finished is not None:
            message_delivered.send(MessageDelivered(message=finished))


def deliver_due(worker_id: str, *, limit: int = 10) -> int:
    """Claim and deliver due messages; returns how many were attempted."""
    messages = claim_due(worker_id, limit=limit)
    for message in messages:
        deliver_one(message, worker_id)
    return len(messages)


class NotAllowed(ValueError):
    """The message is not in a state this action applies to (e.g. unparking a delivered one)."""


def _locked(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.select_for_update().get(id=message.id)


@transaction.atomic
def retry_now(message: OutboxMessage, *, acting_user: AuditActor | None) -> OutboxMessage:
    """Make a queued, failed or parked message due at once (a supervisor's or administrator's
    decision, audited). A parked one starts a fresh count of attempts. Idempotent: the
    message keeps its id, which receivers dedupe on, so a retry after an unrecorded
    delivery is seen by the receiver once; a delivered message is refused."""
    locked = _locked(message)
    if locked.status == MessageStatus.DELIVERED:
        raise NotAllowed("this message was delivered; there is nothing to retry")
    fields: dict[str, Any] = {"next_attempt_at": timezone.now()}
    if locked.status == MessageStatus.FAILED:
        fields.update(status=MessageStatus.PENDING, attempts=0, parked_at=None)
    OutboxMessage.objects.filter(id=locked.id).update(**fields)
    record("outbox.retry", actor=acting_user, obj=locked, detail={"was": locked.state.value})
    return OutboxMessage.objects.get(id=locked.id)


@transaction.atomic
def park(message: OutboxMessage, *, reason: str, acting_user: AuditActor | None) -> OutboxMessage:
    """Stop automatic attempts of a message that is not delivered (audited, with a reason;
    sends ``message_parked``). Parking a parked message changes nothing."""
    if not reason.strip():
        raise NotAllowed("say why the message is parked")
    locked = _locked(message)
    if locked.status == MessageStatus.DELIVERED:
        raise NotAllowed("this message was delivered; it cannot be parked")
    if locked.status == MessageStatus.FAILED:
        return locked
    OutboxMessage.objects.filter(id=locked.id).update(
        status=MessageStatus.FAILED, parked_at=timezone.now(), claimed_by="", lease_until=None
    )
    record("outbox.park", actor=acting_user, obj=locked, detail={"reason": reason.strip()})
    parked = OutboxMessage.objects.get(id=locked.id)
    message_parked.send(MessageParked(message=parked))
    return parked


@transaction.atomic
def unpark(message: OutboxMessage, *, acting_user: AuditActor | None) -> OutboxMessage:
    """Put a parked message back in the automatic queue with a fresh count of attempts
    (audited). ``retry_now`` also skips the backoff wait of a failed message."""
    locked = _locked(message)
    if locked.status != MessageStatus.FAILED:
        raise NotAllowed("only a parked message can be unparked")
    OutboxMessage.objects.filter(id=locked.id).update(
        status=MessageStatus.PENDING, attempts=0, parked_at=None, next_attempt_at=timezone.now()
    )
    record("outbox.unpark", actor=acting_user, obj=locked)
    return OutboxMessage.objects.get(id=locked.id)
