"""Retention of delivered messages.

A delivered message is a copy of what left the instance (a notice, a police package that may
carry the reporter's identity when they consented, a partner forward). Its effect is recorded
where it belongs (the referral's ``sent_at``, the notice's sends, the audit log), so once the
receivers' deduplication window is long past the copy only keeps personal data alive: it is
deleted. Pending and failed (parked) messages are never touched — they still have work to do.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from hotline.audit.actions import record
from hotline.outbox.models import MessageStatus, OutboxMessage


def delivered_before(before: datetime) -> QuerySet[OutboxMessage]:
    """Messages delivered before ``before``."""
    return OutboxMessage.objects.filter(status=MessageStatus.DELIVERED, delivered_at__lt=before)


@transaction.atomic
def purge_delivered(before: datetime, *, dry_run: bool = False) -> int:
    """Delete the messages delivered before ``before``; returns how many (in a dry run, how
    many would be). One audit event records the count."""
    due = delivered_before(before)
    if dry_run:
        return due.count()
    ids = list(due.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).delete()
    record(
        "retention.messages",
        actor=None,
        object_type="outbox.outboxmessage",
        detail={"count": len(ids), "before": before},
    )
    return len(ids)
