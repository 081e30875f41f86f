"""The outbox page: filters, and retry / park / unpark through audited actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.outbox.actions import enqueue
from hotline.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import World, signed_in
from tests.factories import deliver_outbox

pytestmark = pytest.mark.django_db


def _listed(html: str) -> int:
    return html.count("data-message=")


def test_outbox_filters_by_state_channel_and_destination(world: World) -> None:
    enqueue("email", "police@example.test", {"subject": "a", "body": "a"})
    deliver_outbox()  # Django's test mail backend takes it
    enqueue("http", "http://127.0.0.1:9/inbox", {"body": {}})
    deliver_outbox()  # refused: failed, will retry
    client = signed_in(world.charlie)

    def count(**query: str) -> int:
        response = client.get(reverse("outbox:outbox"), query)
        assert response.status_code == 200
        return _listed(response.content.decode())

    assert count() == 2
    assert count(state="delivered") == 1
    assert count(state="failed") == 1
    assert count(state="parked") == 0
    assert count(channel="http") == 1
    assert count(destination="POLICE@") == 1
    assert count(older_than_hours="5") == 0


def test_bad_filter_names_the_field(world: World) -> None:
    response = signed_in(world.charlie).get(reverse("outbox:outbox"), {"state": "lost"})

    assert response.status_code == 200
    assert "Select a valid choice. lost is not one of the available choices." in (
        response.content.decode()
    )


def test_park_unpark_and_retry_are_audited_with_the_person(world: World) -> None:
    message = enqueue("http", "http://127.0.0.1:9/inbox", {"body": {}})
    client = signed_in(world.erin)

    def post(action: str, **data: str) -> int:
        url = reverse("outbox:act", kwargs={"pk": message.pk, "action": action})
        return client.post(url, data).status_code

    assert post("park") == 302  # no reason: refused, nothing parked
    assert OutboxMessage.objects.get(pk=message.pk).status == MessageStatus.PENDING
    assert post("park", **{"park-reason": "partner asked us to wait"}) == 302
    assert OutboxMessage.objects.get(pk=message.pk).state == "parked"
    assert post("unpark") == 302
    assert OutboxMessage.objects.get(pk=message.pk).state == "queued"
    assert post("unpark") == 409  # only a parked message can be unparked
    assert post("retry") == 302

    events = AuditEvent.objects.filter(object_id=str(message.pk)).order_by("pk")
    assert [(e.action, e.actor) for e in events] == [
        ("outbox.park", world.erin.audit_label),
        ("outbox.unpark", world.erin.audit_label),
        ("outbox.retry", world.erin.audit_label),
    ]
