"""Messages that leave the instance, written in the transaction that causes them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    """What is stored. ``failed`` is the historic name of *parked*: no more automatic tries
    (attempts exhausted, a permanent refusal, or a person parked it). The finer state a
    person sees (queued, delivering, failed and retrying) is ``OutboxMessage.state``."""

    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed (parked; an administrator may retry it)"


class DeliveryState(models.TextChoices):
    """The state shown to people, derived from the stored status, lease and last error."""

    QUEUED = "queued", _("queued")
    DELIVERING = "delivering", _("delivering")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed, will retry")
    PARKED = "parked", _("parked")


class OutboxMessage(models.Model):
    """One message to deliver. ``id`` doubles as the idempotency key receivers dedupe on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(
        max_length=32, help_text="Key in the channel registry: email, http, ..."
    )
    destination = models.CharField(max_length=500)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # What the receiving end answered on delivery: the SMTP server's reply to DATA, the HTTP
    # status line. Shown next to "delivered", so "sent" is backed by a receiver's word.
    remote_answer = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)
    related_type = models.CharField(max_length=100, blank=True)
    related_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["related_type", "related_id"], name="outbox_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.destination} ({self.status})"

    @property
    def state(self) -> DeliveryState:
        """Queued, delivering (a worker holds a live lease), delivered, failed (an attempt
        failed and another is scheduled) or parked."""
        if self.status == MessageStatus.DELIVERED:
            return DeliveryState.DELIVERED
        if self.status == MessageStatus.FAILED:
            return DeliveryState.PARKED
        if self.claimed_by and self.lease_until is not None and self.lease_until > timezone.now():
            return DeliveryState.DELIVERING
        if self.last_error:
            return DeliveryState.FAILED
        return DeliveryState.QUEUED
