"""Partner key replacement (the new key pinned, the old one accepted for an overlap, then
retired) and partner deactivation, from the staff pages and ``hotline federation``; audited."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import assess_item
from hotline.cases.models import Report
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.federation.actions import (
    PartnerError,
    replace_partner_key,
    send_message,
    set_partner_active,
)
from hotline.routing.federation.keys import generate_private_key, key_id_for, public_key_to_text
from hotline.routing.federation.protocol import PING
from hotline.routing.models import Partner, Referral
from tests.conftest import World, signed_in
from tests.routing.factories import hosted_item
from tests.routing.test_federation import BASELINE, Remote, _forward, _post, _remote, our_key

__all__ = ["our_key"]  # the fixture, imported for this module's tests

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(world: World, our_key: Ed25519PrivateKey) -> Remote:
    return _remote(world)


def _text(key: Ed25519PrivateKey) -> str:
    return public_key_to_text(key.public_key())


def _id(key: Ed25519PrivateKey) -> str:
    return key_id_for(key.public_key())


def test_replaced_key_is_accepted_during_the_overlap_and_refused_after(
    world: World, remote: Remote
) -> None:
    new = generate_private_key()

    replace_partner_key(
        remote.partner,
        public_key=_text(new),
        expected_key_id=_id(new),
        overlap_hours=24,
        acting_user=world.erin,
    )

    partner = Partner.objects.get(pk=remote.partner.pk)
    assert (partner.key_id, partner.previous_key_id) == (_id(new), _id(remote.key))
    assert _post(remote.key, _forward("1")).status_code == 201  # old key, within the overlap
    assert _post(new, _forward("2")).status_code == 201  # new key
    Partner.objects.filter(pk=partner.pk).update(
        previous_key_expires_at=timezone.now() - timedelta(seconds=1)
    )
    late = _post(remote.key, _forward("3"))
    assert (late.status_code, late.json()["reason"]) == (401, "unknown key")
    assert Report.objects.count() == 2
    event = AuditEvent.objects.get(action="partner.key_replace")
    assert (event.actor, event.detail["old_key_id"], event.detail["new_key_id"]) == (
        "user:erin",
        _id(remote.key),
        _id(new),
    )


def test_replacement_without_overlap_retires_the_old_key_at_once(
    world: World, remote: Remote
) -> None:
    new = generate_private_key()

    replace_partner_key(remote.partner, public_key=_text(new), overlap_hours=0, acting_user=None)

    refused = _post(remote.key, _forward("1"))
    assert (refused.status_code, refused.json()["reason"]) == (401, "unknown key")
    assert Partner.objects.get(pk=remote.partner.pk).previous_key_id == ""


@pytest.mark.parametrize(
    ("which", "expected_id", "message"),
    [
        ("same", "", "already this partner's pinned key"),
        ("other_partner", "", "already registered"),
        ("new", "wrong-id", "not wrong-id"),
        ("garbage", "", "public key:"),
    ],
)
def test_key_replacement_refuses_bad_keys(
    world: World, remote: Remote, which: str, expected_id: str, message: str
) -> None:
    other = _remote(world, "https://hotline-c.example.test", name="Hotline C", country="AT")
    key = {
        "same": _text(remote.key),
        "other_partner": _text(other.key),
        "new": _text(generate_private_key()),
        "garbage": "not a key",
    }[which]

    with pytest.raises(PartnerError, match=message):
        replace_partner_key(
            remote.partner, public_key=key, expected_key_id=expected_id, acting_user=None
        )

    assert Partner.objects.get(pk=remote.partner.pk).key_id == _id(remote.key)
    assert not AuditEvent.objects.filter(action="partner.key_replace").exists()


def test_key_page_replaces_and_retires_and_refuses_bad_input_naming_the_field(
    world: World, remote: Remote
) -> None:
    browser = signed_in(world.erin)
    new = generate_private_key()
    url = reverse("routing:partner_replace_key", kwargs={"pk": remote.partner.pk})

    bad = browser.post(url, {"public_key": "nope", "key_id": "", "overlap_hours": "24"})
    bad_overlap = browser.post(url, {"public_key": _text(new), "overlap_hours": "-1"})
    pinned = browser.post(
        url, {"public_key": _text(new), "key_id": _id(new), "overlap_hours": "48"}
    )
    page = browser.get(reverse("routing:partner", kwargs={"pk": remote.partner.pk})).content
    retired = browser.post(reverse("routing:partner_retire_key", kwargs={"pk": remote.partner.pk}))

    assert (bad.status_code, bad_overlap.status_code) == (400, 400)
    assert "Its new public key: public key:" in bad.content.decode()
    assert "Hours the old key is still accepted" in bad_overlap.content.decode()
    assert (pinned.status_code, retired.status_code) == (302, 302)
    assert f'id="partner-key-id">{_id(new)}<' in page.decode()
    assert f'id="partner-previous-key-id">{_id(remote.key)} until' in page.decode()
    partner = Partner.objects.get(pk=remote.partner.pk)
    assert (partner.key_id, partner.previous_key_id) == (_id(new), "")
    assert list(
        AuditEvent.objects.filter(action__startswith="partner.key").values_list("action", "actor")
    ) == [("partner.key_replace", "user:erin"), ("partner.key_retire", "user:erin")]


def test_only_administrators_change_partner_keys_and_trust(world: World, remote: Remote) -> None:
    pk = remote.partner.pk
    posts = {
        reverse("routing:partner_replace_key", kwargs={"pk": pk}): {
            "public_key": _text(generate_private_key()),
            "overlap_hours": "1",
        },
        reverse("routing:partner_retire_key", kwargs={"pk": pk}): {},
        reverse("routing:partner_state", kwargs={"pk": pk}): {"reason": "r"},
    }

    statuses = {
        user.username: {signed_in(user).post(url, data).status_code for url, data in posts.items()}
        for user in (world.alice, world.charlie, world.frank, world.bob)
    }

    assert statuses == {"alice": {403}, "charlie": {403}, "frank": {403}, "bob": {403}}
    assert Partner.objects.get(pk=pk).key_id == _id(remote.key)
    assert Partner.objects.get(pk=pk).active


def test_deactivated_partner_is_refused_clearly_and_its_queued_messages_parked(
    world: World, remote: Remote
) -> None:
    browser = signed_in(world.erin)
    url = reverse("routing:partner_state", kwargs={"pk": remote.partner.pk})
    queued = send_message(remote.partner, PING, {}, related=remote.partner)

    no_reason = browser.post(url, {"action": "deactivate", "reason": " "})
    deactivated = browser.post(url, {"action": "deactivate", "reason": "keys leaked"})
    refused = _post(remote.key, _forward("9"))

    assert (no_reason.status_code, deactivated.status_code) == (400, 302)
    assert "Why it is deactivated" in no_reason.content.decode()
    assert (refused.status_code, refused.json()["reason"]) == (403, "partner_deactivated")
    assert Report.objects.count() == 0
    queued.refresh_from_db()
    assert queued.status == MessageStatus.FAILED  # parked, not lost
    event = AuditEvent.objects.get(action="partner.deactivate")
    assert (event.actor, event.detail) == (
        "user:erin",
        {"reason": "keys leaked", "parked_messages": 1},
    )
    page = browser.get(reverse("routing:partner", kwargs={"pk": remote.partner.pk}))
    assert 'data-active="false"' in page.content.decode()

    activated = browser.post(url, {"action": "activate"})

    assert activated.status_code == 302
    assert _post(remote.key, _forward("10")).status_code == 201
    assert AuditEvent.objects.filter(action="partner.activate", actor="user:erin").count() == 1


def test_federation_commands_replace_retire_deactivate_activate(
    world: World, remote: Remote
) -> None:
    new = generate_private_key()
    out = io.StringIO()

    call_command(
        "federation",
        "replace-key",
        "Hotline B",
        f"--public-key={_text(new)}",
        f"--key-id={_id(new)}",
        "--overlap-hours=2",
        stdout=out,
    )
    call_command("federation", "partners", stdout=out)
    call_command("federation", "retire-key", "Hotline B", stdout=out)
    call_command("federation", "deactivate", "Hotline B", "--reason=contract ended", stdout=out)
    with pytest.raises(CommandError, match="already deactivated"):
        call_command("federation", "deactivate", "Hotline B", "--reason=again")
    with pytest.raises(CommandError, match="no previous key"):
        call_command("federation", "retire-key", "Hotline B")
    deactivated = Partner.objects.get(pk=remote.partner.pk).active
    call_command("federation", "activate", "Hotline B", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Hotline B: new key {_id(new)} pinned; old key {_id(remote.key)}")
    assert f"(previous {_id(remote.key)} until" in lines[1]
    assert lines[2:] == [
        f"Hotline B: previous key retired; only {_id(new)} is accepted",
        "Hotline B: deactivated; its messages are refused",
        "Hotline B: active again",
    ]
    assert deactivated is False
    assert list(
        AuditEvent.objects.filter(action__startswith="partner.")
        .exclude(action="partner.add")
        .values_list("action", flat=True)
    ) == ["partner.key_replace", "partner.key_retire", "partner.deactivate", "partner.activate"]


def test_nothing_is_forwarded_to_a_deactivated_partner(world: World, remote: Remote) -> None:
    set_partner_active(remote.partner, active=False, reason="audit", acting_user=None)
    item = hosted_item("http://images.example.test/f1", country="DE")

    assess_item(item, BASELINE, acting_user=world.alice)

    assert not Referral.objects.filter(item=item, destination="partner").exists()
    assert not OutboxMessage.objects.filter(channel="http").exists()
