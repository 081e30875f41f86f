"""Delivery truth: a referral is *sent* only when a real receiver took its message, and its
pages show the outbox's state (failed with the error, then delivered with the reply)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.outbox import actions
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.models import Referral, ReferralStatus
from tests.conftest import World, signed_in
from tests.factories import ReferralFactory, deliver_outbox

pytestmark = pytest.mark.django_db

REFUSAL = "550 5.7.1 Relaying refused for this test"
ACCEPTANCE = "250 2.0.0 Ok: queued as TEST0001"


class _Switchable:
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp(settings: Any) -> Iterator[_Switchable]:
    handler = _Switchable()
    port = _free_port()
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


def _due_now(message: OutboxMessage) -> None:
    # The backoff would make the test wait; a worker reaching the retry time is the same.
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def _page(world: World, referral: Referral) -> str:
    response = signed_in(world.charlie).get(reverse("routing:referral", kwargs={"pk": referral.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_referral_is_failed_with_the_error_then_sent_with_the_servers_reply(
    world: World, smtp: _Switchable
) -> None:
    referral = ReferralFactory.create()
    [message] = OutboxMessage.objects.filter(related_id=str(referral.pk))

    deliver_outbox()

    referral.refresh_from_db()
    message.refresh_from_db()
    assert (referral.status, referral.sent_at) == (ReferralStatus.QUEUED, None)
    assert (message.state, message.attempts) == ("failed", 1)
    page = _page(world, referral)
    assert 'data-delivery="failed"' in page
    assert "5.7.1 Relaying refused for this test" in page

    smtp.accept = True
    _due_now(message)
    deliver_outbox()

    referral.refresh_from_db()
    message.refresh_from_db()
    assert message.state == "delivered"
    assert message.remote_answer == "250 2.0.0 Ok: queued as TEST0001"
    assert (referral.status, referral.sent_at) == (ReferralStatus.SENT, message.delivered_at)
    page = _page(world, referral)
    assert 'data-delivery="delivered"' in page
    assert "250 2.0.0 Ok: queued as TEST0001" in page
    sent = AuditEvent.objects.get(action="referral.sent", object_id=str(referral.pk))
    assert sent.detail["answer"] == "250 2.0.0 Ok: queued as TEST0001"


def test_unreachable_server_leaves_the_referral_unsent(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens: connection refused
    referral = ReferralFactory.create()

    deliver_outbox()

    referral.refresh_from_db()
    [message] = OutboxMessage.objects.filter(related_id=str(referral.pk))
    assert referral.status == ReferralStatus.QUEUED
    assert message.state == "failed"
    assert "Connection refused" in message.last_error
    assert "Connection refused" in _page(world, referral)


def test_retry_of_a_parked_message_is_delivered_once(world: World, smtp: _Switchable) -> None:
    referral = ReferralFactory.create()
    [message] = OutboxMessage.objects.filter(related_id=str(referral.pk))
    actions.park(message, reason="receiver down for maintenance", acting_user=world.charlie)
    assert deliver_outbox() == 0  # parked: no automatic attempt
    smtp.accept = True

    actions.retry_now(message, acting_user=world.charlie)
    actions.retry_now(message, acting_user=world.charlie)  # a double click
    deliver_outbox()
    with pytest.raises(actions.NotAllowed):
        actions.retry_now(message, acting_user=world.charlie)

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert len(smtp.accepted) == 1
    assert smtp.accepted[0].startswith(f"<{message.pk}@")
    assert list(
        AuditEvent.objects.filter(object_id=str(message.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["outbox.park", "outbox.retry", "outbox.retry"]
