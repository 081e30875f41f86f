"""Writes to the platform's own state."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from hotline.audit.actions import record
from hotline.core.models import AlertState


@transaction.atomic
def record_alert_sent(
    *, key: str, detail: str, recipients: list[str], sent_at: datetime
) -> AlertState:
    """Remember that the alert ``key`` was e-mailed at ``sent_at`` (the rate limit counts from
    here), audited with its recipients."""
    state, created = AlertState.objects.select_for_update().get_or_create(
        key=key, defaults={"last_sent_at": sent_at, "last_detail": detail, "sent_count": 1}
    )
    if not created:
        state.last_sent_at = sent_at
        state.last_detail = detail
        state.sent_count += 1
        state.save(update_fields=["last_sent_at", "last_detail", "sent_count"])
    record(
        "core.alert.sent",
        actor=None,
        obj=state,
        detail={"key": key, "recipients": recipients, "detail": detail},
    )
    return state
