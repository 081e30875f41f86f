"""Reads of the outbox that other parts show (the health page, metrics, alerts)."""

from __future__ import annotations

from django.db.models import Count

from hotline.outbox.models import MessageStatus, OutboxMessage


def backlog() -> dict[str, int]:
    """Outbox messages by state (every state, zeros included), delivered ones too."""
    counts = dict(
        OutboxMessage.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status.value: counts.get(status.value, 0) for status in MessageStatus}
