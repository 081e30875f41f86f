"""Delivery truth: a referral is *sent* only when a real receiver took its message, and its
pages show the outbox's state (failed with the error, then delivered with the reply)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.outbox import actions
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.models import Referral, ReferralStatus
from tests.conftest import World, signed_in
from tests.factories import ReferralFactory, deliver_outbox
from tests.smtp import Switchable, due_now, free_port, smtp

__all__ = ["smtp"]  # the fixture, imported for this module's tests

pytestmark = pytest.mark.django_db


def _page(world: World, referral: Referral) -> str:
    response = signed_in(world.charlie).get(reverse("routing:referral", kwargs={"pk": referral.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_referral_is_failed_with_the_error_then_sent_with_the_servers_reply(
    world: World, smtp: Switchable
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
    due_now(message)
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
    settings.EMAIL_PORT = free_port()  # nothing listens: connection refused
    referral = ReferralFactory.create()

    deliver_outbox()

    referral.refresh_from_db()
    [message] = OutboxMessage.objects.filter(related_id=str(referral.pk))
    assert referral.status == ReferralStatus.QUEUED
    assert message.state == "failed"
    assert "Connection refused" in message.last_error
    assert "Connection refused" in _page(world, referral)


def test_retry_of_a_parked_message_is_delivered_once(world: World, smtp: Switchable) -> None:
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
