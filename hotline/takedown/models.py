"""Notices to hosting providers, liveness checks, and each item's takedown timeline."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Open: content still online")
    CLOSED = "closed", _("Closed: everything removed")


class Notice(models.Model):
    """A notice-and-takedown conversation with one abuse contact, about one or more items."""

    hosting_provider = models.ForeignKey(
        "routing.HostingProvider", on_delete=models.PROTECT, related_name="notices"
    )
    status = models.CharField(
        max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    next_send_at = models.DateTimeField(default=timezone.now, db_index=True)
    send_count = models.PositiveIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"notice {self.pk} to {self.hosting_provider}"


class NoticeItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="notice_items")
    item = models.ForeignKey("cases.Item", on_delete=models.CASCADE, related_name="notice_items")
    referral = models.ForeignKey(
        "routing.Referral", on_delete=models.SET_NULL, null=True, blank=True
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "item"], name="item_once_per_notice")
        ]

    def __str__(self) -> str:
        return f"{self.item} in {self.notice}"


class LivenessOutcome(models.TextChoices):
    LIVE = "live", _("Online")
    GONE = "gone", _("Gone (404/410/451)")
    DENIED = "denied", _("Refused to us (401/403): an analyst should look")
    ERROR = "error", _("No answer (check again)")
    BLOCKED = "blocked", _("Not checked: refused by the SSRF policy")


class LivenessCheck(models.Model):
    """One re-check of a URL. No response body is ever kept."""

    item = models.ForeignKey("cases.Item", on_delete=models.CASCADE, related_name="liveness_checks")
    checked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=LivenessOutcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.CharField(max_length=2048, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["item", "-checked_at"], name="liveness_item_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.outcome} at {self.checked_at:%Y-%m-%d %H:%M}"


class Timeline(models.Model):
    """Every step of an item's life, timestamped once (the first time it happens)."""

    item = models.OneToOneField("cases.Item", on_delete=models.CASCADE, related_name="timeline")
    received_at = models.DateTimeField()
    assessed_at = models.DateTimeField(null=True, blank=True)
    police_referred_at = models.DateTimeField(null=True, blank=True)
    partner_forwarded_at = models.DateTimeField(null=True, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    first_seen_offline_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text=_("Confirmed removed"))
    removal_source = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"timeline of item {self.item_id}"

    @property
    def time_to_removal(self) -> timedelta | None:
        if self.removed_at is None:
            return None
        return self.removed_at - self.received_at
