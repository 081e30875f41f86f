"""E-mail through Django's mail backend (SMTP by default)."""

from __future__ import annotations

import base64
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from hotline.outbox.channels.base import PermanentFailure, TemporaryFailure, register

if TYPE_CHECKING:
    from hotline.outbox.models import OutboxMessage


class EmailChannel:
    """Payload: ``subject``, ``body``, optional ``attachments`` (filename, mimetype, base64
    ``content``) and ``headers``. The Message-ID is derived from the outbox id so a
    repeated delivery is recognisably the same message."""

    name = "email"

    def deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "hotline.invalid"
        email = EmailMessage(
            subject=payload.get("subject", ""),
            body=payload.get("body", ""),
            from_email=payload.get("from") or settings.DEFAULT_FROM_EMAIL,
            to=[message.destination],
            cc=payload.get("cc", []),
            headers={"Message-ID": f"<{message.id}@{domain}>", **payload.get("headers", {})},
        )
        for attachment in payload.get("attachments", []):
            email.attach(
                attachment["filename"],
                base64.b64decode(attachment["content"]),
                attachment.get("mimetype", "application/octet-stream"),
            )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP delivery failed: {exc}") from exc


register(EmailChannel())
