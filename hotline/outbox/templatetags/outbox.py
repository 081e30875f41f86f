"""``{% delivery_state obj %}``: the delivery state of the newest message queued for ``obj``
(a referral, a notice), so every page that shows a "sent" shows whether it arrived."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from hotline.outbox.models import OutboxMessage
from hotline.outbox.queries import latest_message_for

register = template.Library()


@register.inclusion_tag("outbox/delivery_state.html")
def delivery_state(obj: models.Model | None) -> dict[str, Any]:
    message = latest_message_for(obj) if obj is not None and obj.pk is not None else None
    return {"message": message, "state": message.state if message is not None else None}


@register.inclusion_tag("outbox/delivery_state.html")
def message_state(message: OutboxMessage) -> dict[str, Any]:
    """The delivery state of one given message (each send of a repeated notice)."""
    return {"message": message, "state": message.state}
