"""A real SMTP server (aiosmtpd) that refuses every message until told to accept, for the
delivery-truth tests: a referral or notice shows *failed* with the server's words, then
*delivered* with its reply."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone

from hotline.outbox.models import OutboxMessage

REFUSAL = "550 5.7.1 Relaying refused for this test"
ACCEPTANCE = "250 2.0.0 Ok: queued as TEST0001"


class Switchable:
    """An aiosmtpd handler that refuses every message until ``accept`` is set, and counts
    the messages it took (by Message-ID, so a repeated delivery would show)."""

    def __init__(self) -> None:
        self.accept = False
        self.accepted: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.accept:
            return REFUSAL
        content = envelope.content
        raw = content if isinstance(content, bytes) else (content or "").encode()
        for line in raw.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.accepted.append(line.split(b":", 1)[1].strip().decode())
        return ACCEPTANCE


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp(settings: Any) -> Iterator[Switchable]:
    handler = Switchable()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="smtp.example.test"
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield handler
    finally:
        controller.stop()


def due_now(message: OutboxMessage) -> None:
    """Make a message due at once: the backoff would make the test wait; a worker reaching
    the retry time is the same."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
