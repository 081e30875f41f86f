"""Administration: configuration is editable by administrators and every change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.outbox.actions import enqueue
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.models import JurisdictionProfile
from tests.conftest import World, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["jurisdictionprofile", "policeunit", "partner", "hostingprovider", "routingrule", "referral"],
)
def test_routing_configuration_is_listed_for_administrators(world: World, model: str) -> None:
    response = signed_in(world.erin).get(reverse(f"admin:routing_{model}_changelist"))

    assert response.status_code == 200


def test_admin_change_is_in_the_audit_log(world: World) -> None:
    response = signed_in(world.erin).post(
        reverse("admin:routing_jurisdictionprofile_add"),
        {
            "country": "FR",
            "police_hold_hours": "24",
            "police_first": "on",
            "emergency_number": "112",
            "legal_facts": "{}",
            "notes": "",
        },
    )

    assert response.status_code == 302
    profile = JurisdictionProfile.objects.get(country="FR")
    event = AuditEvent.objects.get(action="admin.add", object_id=str(profile.pk))
    assert event.actor == "user:erin"
    assert "police_first" in event.detail["fields"]


def test_referrals_cannot_be_edited_in_the_admin(world: World) -> None:
    assert signed_in(world.erin).get(reverse("admin:routing_referral_add")).status_code == 403


def test_parked_message_can_be_retried_from_the_admin(world: World) -> None:
    message = enqueue("http", "http://127.0.0.1:9/inbox", {"body": {}})
    OutboxMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, attempts=12)

    response = signed_in(world.erin).post(
        reverse("admin:outbox_outboxmessage_changelist"),
        {"action": "retry", "_selected_action": [str(message.pk)]},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1
