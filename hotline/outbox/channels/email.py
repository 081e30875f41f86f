"""E-mail through Django's mail backend (SMTP by default)."""

from __future__ import annotations

import base64
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from hotline.outbox.channels.base import PermanentFailure, TemporaryFailure, register

if TYPE_CHECKING:
    from hotline.outbox.models import OutboxMessage


class EmailChannel:
    """Payload: ``subject``, ``body``, optional ``attachments`` (filename, mimetype, base64
    ``content``) and ``headers``. The Message-ID is derived from the outbox id so a
    repeated delivery is recognisably the same message."""

    name = "email"

    def deliver(self, message: OutboxMessage) -> str:
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
        connection = get_connection(fail_silently=False)
        replies: list[tuple[int, bytes]] = []
        try:
            connection.open()
            _record_data_reply(connection, replies)
            email.connection = connection
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP delivery failed: {exc}") from exc
        finally:
            connection.close()
        if replies:
            code, text = replies[-1]
            return f"{code} {text.decode('utf-8', 'replace')}"
        # A non-SMTP backend (the test or console backend) has no server to answer.
        return f"accepted by {type(connection).__module__}"


def _record_data_reply(connection: object, replies: list[tuple[int, bytes]]) -> None:
    """Keep the SMTP server's reply to DATA ("250 2.0.0 Ok: queued as ..."): ``smtplib``'s
    ``sendmail`` discards it, yet it is the receiver's word that it took the message."""
    smtp = getattr(connection, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        return
    original = smtp.data

    def data(msg: bytes | str) -> tuple[int, bytes]:
        reply = original(msg)
        replies.append(reply)
        return reply

    smtp.data = data  # type: ignore[method-assign,assignment]  # a wrapper, same behaviour


register(EmailChannel())
