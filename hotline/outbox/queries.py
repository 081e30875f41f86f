"""Reads of the outbox: the messages that carry a record, the outbox page's list, and the
backlog the health page, metrics and alerts show."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from hotline.outbox.models import DeliveryState, MessageStatus, OutboxMessage


def related_key(obj: models.Model) -> tuple[str, str]:
    """The ``(related_type, related_id)`` a message queued with ``related=obj`` carries."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


def messages_for(obj: models.Model) -> models.QuerySet[OutboxMessage]:
    """Every message queued for ``obj`` (a referral, a notice), oldest first."""
    related_type, related_id = related_key(obj)
    return OutboxMessage.objects.filter(related_type=related_type, related_id=related_id)


def latest_message_for(obj: models.Model) -> OutboxMessage | None:
    """The newest message queued for ``obj`` (a repeated notice has one per send)."""
    return messages_for(obj).order_by("-created_at").first()


def _in_state(state: str) -> models.Q:
    now = timezone.now()
    leased = models.Q(claimed_by__gt="", lease_until__gt=now)
    pending = models.Q(status=MessageStatus.PENDING)
    return {
        DeliveryState.DELIVERED: models.Q(status=MessageStatus.DELIVERED),
        DeliveryState.PARKED: models.Q(status=MessageStatus.FAILED),
        DeliveryState.DELIVERING: pending & leased,
        DeliveryState.FAILED: pending & ~leased & ~models.Q(last_error=""),
        DeliveryState.QUEUED: pending & ~leased & models.Q(last_error=""),
    }[DeliveryState(state)]


def outbox_messages(
    *,
    state: str = "",
    channel: str = "",
    destination: str = "",
    older_than_hours: int | None = None,
) -> models.QuerySet[OutboxMessage]:
    """The outbox page's list, newest first, filtered by state, channel, destination (a
    part of the address) and age (queued at least ``older_than_hours`` ago)."""
    messages = OutboxMessage.objects.defer("payload").order_by("-created_at")
    if state:
        messages = messages.filter(_in_state(state))
    if channel:
        messages = messages.filter(channel=channel)
    if destination:
        messages = messages.filter(destination__icontains=destination)
    if older_than_hours is not None:
        messages = messages.filter(
            created_at__lte=timezone.now() - timedelta(hours=older_than_hours)
        )
    return messages


def backlog() -> dict[str, int]:
    """Outbox messages by stored status (every status, zeros included), delivered ones too."""
    counts = dict(
        OutboxMessage.objects.values("status")
        .annotate(n=models.Count("id"))
        .values_list("status", "n")
    )
    return {status.value: counts.get(status.value, 0) for status in MessageStatus}
