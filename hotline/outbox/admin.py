"""Outgoing messages: administrators see what is pending or parked and may retry parked ones."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from hotline.core.admin import ReadOnlyAdmin
from hotline.outbox.actions import retry_now
from hotline.outbox.models import MessageStatus, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "channel",
        "destination",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "channel")
    exclude = ("payload",)  # may carry referral packages: not for casual browsing
    actions = ["retry"]

    @admin.action(description="Retry the selected parked messages")
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        parked = list(queryset.filter(status=MessageStatus.FAILED))
        for message in parked:
            retry_now(message, acting_user=request.user)  # type: ignore[arg-type]
        messages.info(request, f"{len(parked)} message(s) queued again.")
