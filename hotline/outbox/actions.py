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
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.outbox.channels import PermanentFailure, get_channel
from hotline.outbox.models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


def enqueue(
    channel: str,
    destination: str,
    payload: dict[str, Any],
    *,
    related: models.Model | None = None,
) -> OutboxMessage:
    """Queue one outgoing message; call it in the transaction of the change that causes it."""
    get_channel(channel)  # an unknown channel is a programming error: fail the transaction now
    message = OutboxMessage(channel=channel, destination=destination, payload=payload)
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


def _finish(message: OutboxMessage, worker_id: str, **fields: Any) -> bool:
    # Conditional on our lease: if it expired and another worker took over, it owns the outcome.
    updated = OutboxMessage.objects.filter(
        id=message.id, claimed_by=worker_id, status=MessageStatus.PENDING
    ).update(claimed_by="", lease_until=None, **fields)
    return updated == 1


def deliver_one(message: OutboxMessage, worker_id: str) -> None:
    """Deliver one claimed message and record the outcome."""
    try:
        get_channel(message.channel).deliver(message)
    except PermanentFailure as exc:
        logger.warning("outbox %s parked: %s", message.id, exc)
        _finish(message, worker_id, status=MessageStatus.FAILED, last_error=str(exc)[:4000])
        return
    except Exception as exc:
        # Anything else (TemporaryFailure, a bug, an unexpected network error) is retried.
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            logger.warning(
                "outbox %s parked after %d attempts: %s", message.id, message.attempts, exc
            )
            _finish(message, worker_id, status=MessageStatus.FAILED, last_error=str(exc)[:4000])
        else:
            _finish(
                message,
                worker_id,
                next_attempt_at=timezone.now() + backoff(message.attempts),
                last_error=str(exc)[:4000],
            )
        return
    _finish(
        message,
        worker_id,
        status=MessageStatus.DELIVERED,
        delivered_at=timezone.now(),
        last_error="",
    )


def deliver_due(worker_id: str, *, limit: int = 10) -> int:
    """Claim and deliver due messages; returns how many were attempted."""
    messages = claim_due(worker_id, limit=limit)
    for message in messages:
        deliver_one(message, worker_id)
    return len(messages)


@transaction.atomic
def retry_failed(message: OutboxMessage) -> None:
    """Put a parked message back in the queue (an administrator's decision, audited)."""
    record("outbox.retry", actor=None, obj=message)
    OutboxMessage.objects.filter(id=message.id, status=MessageStatus.FAILED).update(
        status=MessageStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
