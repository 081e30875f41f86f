"""Federation inside one instance: the inbox (Django's test client plays the partner), the
forward we send (delivered to a real loopback server), statuses we report back, our key."""

from __future__ import annotations

import json
import os
import stat
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import ReportInput, Verdict, assess_item, file_report
from hotline.cases.models import Channel, CloseReason, Concern, Item, ItemStatus, Report
from hotline.hosting.models import HostingTrace, IpObservation
from hotline.outbox import actions as outbox
from hotline.outbox.models import OutboxMessage
from hotline.routing.federation.actions import add_partner
from hotline.routing.federation.identity import (
    KEY_FILE_NAME,
    instance_key_id,
    instance_private_key,
)
from hotline.routing.federation.keys import (
    generate_private_key,
    key_id_for,
    private_key_to_pem,
    public_key_to_text,
)
from hotline.routing.federation.nonces import (
    DatabaseNonceStore,
    NonceStore,
    purge_expired_nonces,
)
from hotline.routing.federation.protocol import INBOX_PATH
from hotline.routing.federation.signatures import sign_request, verify_request
from hotline.routing.models import (
    FederationMessage,
    InboundForward,
    Partner,
    Referral,
    ReferralStatus,
    SignatureNonce,
)
from hotline.takedown.actions import confirm_removed
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.httpserver import Recorder, serve
from tests.routing.factories import hosted_item

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

INBOX = f"http://testserver{INBOX_PATH}"
BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


@dataclass
class Remote:
    """The partner hotline at the other end: its directory entry here and its private key."""

    partner: Partner
    key: Ed25519PrivateKey


@pytest.fixture
def our_key(settings: Any) -> Ed25519PrivateKey:
    key = generate_private_key()
    settings.FEDERATION_PRIVATE_KEY = private_key_to_pem(key)
    return key


def _remote(
    world: World,
    base_url: str = "https://hotline-b.example.test",
    *,
    name: str = "Hotline B",
    country: str = "DE",
) -> Remote:
    key = generate_private_key()
    partner = add_partner(
        name=name,
        country=country,
        base_url=base_url,
        public_key=public_key_to_text(key.public_key()),
        acting_user=world.erin,
    )
    return Remote(partner, key)


@pytest.fixture
def remote(world: World, our_key: Ed25519PrivateKey) -> Remote:
    return _remote(world)


def _signed(key: Ed25519PrivateKey, body: bytes) -> dict[str, str]:
    return sign_request(
        method="POST",
        url=INBOX,
        headers={"Content-Type": "application/json"},
        body=body,
        private_key=key,
        key_id=key_id_for(key.public_key()),
    )


def _post(
    key: Ed25519PrivateKey, message: dict[str, Any] | bytes, headers: dict[str, str] | None = None
) -> Response:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return Client().post(
        reverse("api_federation_inbox"),
        data=body,
        content_type="application/json",
        headers=headers if headers is not None else _signed(key, body),
    )


def _message(message_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": message_type,
        "sent_at": timezone.now().isoformat(),
        **fields,
    }


def _forward(
    reference: str = "41", url: str = "http://forum.example.test/thread/7"
) -> dict[str, Any]:
    return _message(
        "forward",
        reference=reference,
        package={
            "origin": "https://hotline-b.example.test",
            "origin_country": "DE",
            "item": {
                "id": 41,
                "kind": "url",
                "url": url,
                "host": "forum.example.test",
                "hosting_country": "FR",
                "hashes": {},
                "first_reported_at": "2026-03-01T09:00:00+00:00",
                "report_count": 1,
                "concerns": ["csam"],
            },
            "assessment": {"legality": "baseline", "scheme": "inhope", "severity": "baseline"},
            "hosting": None,
        },
    )


def _bodies(channel: str = "http") -> list[dict[str, Any]]:
    return [m.payload["body"] for m in OutboxMessage.objects.filter(channel=channel)]


def _forwarded_referral(world: World, url: str = "http://images.example.test/f1") -> Referral:
    item = hosted_item(url, country="DE")
    assess_item(item, BASELINE, acting_user=world.alice)
    return Referral.objects.get(item=item, destination="partner")


# --- the inbox ------------------------------------------------------------------------------


def test_inbox_url_is_the_protocols_path() -> None:
    assert reverse("api_federation_inbox") == INBOX_PATH


def test_inbox_forward_files_one_partner_report_and_queues_an_ack(remote: Remote) -> None:
    message = _forward()

    response = _post(remote.key, message)

    report = Report.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": message["id"],
        "type": "forward",
        "reference": "41",
        "remote_reference": report.reference,
    }
    assert (report.channel, report.submitted_by, report.external_id) == (
        Channel.PARTNER,
        remote.partner.organisation,
        "41",
    )
    assert [ri.item.canonical_url for ri in report.report_items.all()] == [
        "http://forum.example.test/thread/7"
    ]
    ack = OutboxMessage.objects.get(channel="http")
    assert ack.destination == f"https://hotline-b.example.test{INBOX_PATH}"
    assert ack.payload["signer"] == "federation"
    assert {k: v for k, v in ack.payload["body"].items() if k != "sent_at"} == {
        "id": str(ack.id),
        "type": "ack",
        "reference": "41",
        "remote_reference": report.reference,
    }
    assert InboundForward.objects.get().item == report.report_items.get().item


def test_inbox_repeated_message_id_gets_the_first_answer_and_no_second_report(
    remote: Remote,
) -> None:
    message = _forward()
    first = _post(remote.key, message)

    second = _post(remote.key, message)  # a retry: same body, fresh signature and nonce

    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert Report.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    assert FederationMessage.objects.count() == 1


def test_inbox_same_reference_under_new_message_id_files_no_second_report(
    remote: Remote,
) -> None:
    first = _post(remote.key, _forward(reference="41"))

    second = _post(remote.key, _forward(reference="41"))

    assert second.status_code == 200
    assert second.json()["remote_reference"] == first.json()["remote_reference"]
    assert Report.objects.count() == 1


def test_inbox_replayed_nonce_is_refused(remote: Remote) -> None:
    body = json.dumps(_forward()).encode()
    headers = _signed(remote.key, body)
    _post(remote.key, body, headers)

    replay = _post(remote.key, body, headers)

    assert replay.status_code == 401
    assert replay.json()["reason"] == "replayed nonce"
    assert Report.objects.count() == 1


def test_inbox_unknown_key_is_refused(remote: Remote) -> None:
    stranger = generate_private_key()

    response = _post(stranger, _forward())

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["reason"] == "unknown key"
    assert Report.objects.count() == 0


def test_inbox_tampered_body_is_refused(remote: Remote) -> None:
    body = json.dumps(_forward(url="http://forum.example.test/a")).encode()
    headers = _signed(remote.key, body)

    response = _post(remote.key, body.replace(b"/a", b"/b"), headers)

    assert (response.status_code, response.json()["reason"]) == (401, "bad digest")
    assert Report.objects.count() == 0


def test_inbox_tampered_body_with_recomputed_digest_is_refused(remote: Remote) -> None:
    body = json.dumps(_forward(url="http://forum.example.test/a")).encode()
    headers = _signed(remote.key, body)
    tampered = body.replace(b"/a", b"/b")
    headers["Content-Digest"] = _signed(generate_private_key(), tampered)["Content-Digest"]

    response = _post(remote.key, tampered, headers)

    assert (response.status_code, response.json()["reason"]) == (401, "bad signature")
    assert Report.objects.count() == 0


def test_inbox_unsigned_request_is_refused(remote: Remote) -> None:
    response = _post(remote.key, _forward(), headers={})

    assert (response.status_code, response.json()["reason"]) == (401, "missing header")


def test_inbox_inactive_partner_is_refused(remote: Remote) -> None:
    Partner.objects.filter(pk=remote.partner.pk).update(active=False)

    response = _post(remote.key, _forward())

    assert (response.status_code, response.json()["reason"]) == (403, "partner_deactivated")
    assert "has deactivated its partnership with Hotline B" in response.json()["detail"]
    assert Report.objects.count() == 0


def test_inbox_malformed_json_is_400(remote: Remote) -> None:
    response = _post(remote.key, b'{"id": "not closed"')

    assert response.status_code == 400
    assert response.json()["title"] == "Malformed JSON"


def test_inbox_unknown_type_is_422_with_the_field_named(remote: Remote) -> None:
    response = _post(remote.key, _message("gossip", reference="41"))

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "type": ["Unknown message type; expected one of forward, ack, status, ping."]
    }


def test_inbox_answers_a_signed_ping_and_stores_nothing_but_the_audit(
    remote: Remote, settings: Any
) -> None:
    message = _message("ping")

    first = _post(remote.key, message)
    again = _post(remote.key, message)

    body = {
        "id": message["id"],
        "type": "ping",
        "pong": True,
        "instance": settings.INSTANCE_NAME,
        "country": settings.INSTANCE_COUNTRY,
    }
    assert (first.status_code, first.json()) == (200, body)
    assert (again.status_code, again.json()) == (200, body)
    assert not FederationMessage.objects.exists()
    assert AuditEvent.objects.filter(action="federation.ping").count() == 2


def test_inbox_bad_fields_are_422_with_an_error_per_field(remote: Remote) -> None:
    message = _forward()
    message["id"] = "not-a-uuid"
    del message["reference"]
    message["package"]["item"]["url"] = 42

    response = _post(remote.key, message)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "id": ["Expected a UUID."],
        "reference": ["This field is required."],
        "package.item.url": ["Expected a string."],
    }
    assert (Report.objects.count(), FederationMessage.objects.count()) == (0, 0)


def test_inbox_get_is_not_allowed() -> None:
    response = Client().get(reverse("api_federation_inbox"))

    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_inbox_ack_marks_our_referral_acknowledged(world: World, remote: Remote) -> None:
    referral = _forwarded_referral(world)

    response = _post(
        remote.key, _message("ack", reference=str(referral.pk), remote_reference="HL-B000-0001")
    )

    referral.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["referral_status"] == "acknowledged"
    assert (referral.status, referral.remote_reference) == (
        ReferralStatus.ACKNOWLEDGED,
        "HL-B000-0001",
    )
    assert referral.acknowledged_at is not None


def test_inbox_ack_for_a_referral_we_never_sent_them_is_422(world: World, remote: Remote) -> None:
    referral = _forwarded_referral(world)
    before = Referral.objects.get(pk=referral.pk).status
    other = _remote(world, "https://hotline-c.example.test", name="Hotline C", country="AT")

    response = _post(
        other.key, _message("ack", reference=str(referral.pk), remote_reference="HL-C000-0001")
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "reference": ["No forward of ours to you has this reference."]
    }
    assert Referral.objects.get(pk=referral.pk).status == before


def test_inbox_removed_status_closes_referral_and_item_with_time_to_removal(
    world: World, remote: Remote
) -> None:
    referral = _forwarded_referral(world)
    removed_at = timezone.now().replace(microsecond=0)
    _post(remote.key, _message("ack", reference=str(referral.pk), remote_reference="HL-B000-0002"))

    response = _post(
        remote.key,
        _message("status", reference=str(referral.pk), status="removed", at=removed_at.isoformat()),
    )

    referral.refresh_from_db()
    item = Item.objects.get(pk=referral.item_id)
    timeline = item.timeline
    assert response.json()["referral_status"] == "closed"
    assert (referral.status, referral.outcome) == (
        ReferralStatus.CLOSED,
        "Removed, as Hotline B confirmed.",
    )
    assert (item.status, item.close_reason) == (ItemStatus.CLOSED, CloseReason.REMOVED)
    assert (timeline.removed_at, timeline.removal_source) == (removed_at, "partner Hotline B")
    assert timeline.time_to_removal == removed_at - item.first_reported_at


def test_inbox_late_assessed_status_does_not_reopen_a_closed_referral(
    world: World, remote: Remote
) -> None:
    referral = _forwarded_referral(world)
    now = timezone.now().isoformat()
    _post(remote.key, _message("status", reference=str(referral.pk), status="removed", at=now))

    _post(remote.key, _message("status", reference=str(referral.pk), status="assessed", at=now))

    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.CLOSED


def test_inbox_messages_are_audited(world: World, remote: Remote) -> None:
    message = _forward()

    _post(remote.key, message)

    event = AuditEvent.objects.get(action="federation.receive")
    assert event.detail == {
        "partner": "Hotline B",
        "reference": "41",
        "remote_reference": Report.objects.get().reference,
    }


# --- what we send ---------------------------------------------------------------------------


def test_partner_referral_is_forwarded_signed_and_marked_sent(
    world: World, our_key: Ed25519PrivateKey
) -> None:
    with serve() as (url, received):
        _remote(world, base_url=url)
        referral = _forwarded_referral(world)

        assert outbox.deliver_due("w1") == 1

    referral.refresh_from_db()
    message = OutboxMessage.objects.get(channel="http")
    request = received.requests[0]
    signer = verify_request(
        method="POST",
        url=f"{url}{INBOX_PATH}",
        headers=request.headers,
        body=request.body,
        resolve_key=lambda key_id: our_key.public_key() if key_id == instance_key_id() else None,
        seen_nonce=DatabaseNonceStore().seen,
    )
    assert (referral.status, referral.sent_at is not None) == (ReferralStatus.SENT, True)
    assert request.path == INBOX_PATH
    assert signer.key_id == key_id_for(our_key.public_key())
    body = request.json()
    assert (body["id"], body["type"], body["reference"]) == (
        str(message.id),
        "forward",
        str(referral.pk),
    )
    assert body["package"]["item"]["url"] == "http://images.example.test/f1"
    assert referral.item.timeline.partner_forwarded_at == referral.sent_at


def test_forward_carries_no_reporter_identity_description_or_analyst_notes(
    world: World, our_key: Ed25519PrivateKey
) -> None:
    with serve() as (url, received):
        _remote(world, base_url=url)
        filed = file_report(
            ReportInput(
                channel=Channel.PUBLIC_WEB,
                concern=Concern.CSAM,
                urls=["http://images.example.test/anon"],
                description="Seen by Zoltan Quibble on his lunch break",
                where_found="the Quibble family group chat",
                urgent_reason="Quibble says a child is in danger",
                contact="zoltan.quibble@example.test",
                consent_to_contact=True,
                language="fr",
            ),
            actor=None,
        )
        item = filed.new_items[0]
        trace = HostingTrace.objects.create(
            host=item.host, looked_up_at=timezone.now(), resolver="static"
        )
        IpObservation.objects.create(trace=trace, position=0, ip="198.51.100.20", country="DE")
        Item.objects.filter(pk=item.pk).update(hosting_trace=trace, hosting_country="DE")
        verdict = replace(BASELINE, notes="Quibble note by the analyst")
        assess_item(Item.objects.get(pk=item.pk), verdict, acting_user=world.alice)
        outbox.deliver_due("w1")

    queued = json.dumps(OutboxMessage.objects.get(channel="http").payload)
    sent = received.requests[0].body.decode()
    for text in (queued, sent):
        lowered = text.lower()
        assert "quibble" not in lowered
        assert "zoltan" not in lowered
        assert "lunch" not in lowered
        assert world.alice.username not in lowered
    assert json.loads(sent)["package"]["item"]["url"] == "http://images.example.test/anon"


def test_verdict_on_a_forwarded_item_tells_the_origin(world: World, remote: Remote) -> None:
    _post(remote.key, _forward())
    item = Item.objects.get()

    assessment = assess_item(item, BASELINE, acting_user=world.alice)

    status = [b for b in _bodies() if b["type"] == "status"]
    assert [{k: v for k, v in b.items() if k not in ("id", "sent_at")} for b in status] == [
        {
            "type": "status",
            "reference": "41",
            "status": "assessed",
            "at": assessment.created_at.isoformat(),
            "remote_reference": Report.objects.get().reference,
            "legality": "baseline",
        }
    ]


def test_removal_of_a_forwarded_item_tells_the_origin_once(world: World, remote: Remote) -> None:
    _post(remote.key, _forward())
    item = Item.objects.get()
    removed_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    confirm_removed(item, when=removed_at, source="liveness checks")
    confirm_removed(item, when=removed_at + timedelta(hours=1), source="liveness checks")

    removed = [b for b in _bodies() if b["type"] == "status"]
    assert [(b["status"], b["at"]) for b in removed] == [("removed", removed_at.isoformat())]


def test_forward_of_an_item_already_found_not_illegal_is_answered_at_once(
    world: World, remote: Remote, settings: Any
) -> None:
    settings.FOUR_EYES = []
    filed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB,
            concern=Concern.CSAM,
            urls=["http://forum.example.test/thread/7"],
        ),
        actor=None,
    )
    assess_item(filed.new_items[0], Verdict(legality="not_illegal"), acting_user=world.alice)

    _post(remote.key, _forward())

    assert [(b["type"], b.get("status")) for b in _bodies()] == [
        ("ack", None),
        ("status", "not_illegal"),
    ]


def test_federation_is_plugged_into_outbox_routing_cases_and_takedown() -> None:
    from hotline.cases.events import item_assessed
    from hotline.core.schedule import JOBS
    from hotline.outbox.channels.http import SIGNERS
    from hotline.routing.destinations import DISPATCHERS
    from hotline.routing.federation import actions, identity, tasks
    from hotline.takedown.events import removal_confirmed

    assert SIGNERS["federation"] is identity.sign_outgoing
    assert DISPATCHERS["partner"] is actions.forward_referral
    assert (
        item_assessed.listeners.count(
            "hotline.routing.federation.actions.tell_origin_after_verdict"
        )
        == 1
    )
    assert (
        removal_confirmed.listeners.count("hotline.takedown.actions.tell_partners_of_removal") == 1
    )
    assert JOBS["routing.federation_nonces"].task is tasks.purge_signature_nonces


# --- the nonce store and our key ------------------------------------------------------------


def test_database_nonce_store_remembers_each_pair_once() -> None:
    store: NonceStore = DatabaseNonceStore()
    until = timezone.now() + timedelta(minutes=5)

    answers = [
        store.seen("key-a", "n1", until),
        store.seen("key-a", "n1", until),
        store.seen("key-b", "n1", until),
    ]

    assert answers == [False, True, False]


def test_purge_expired_nonces_forgets_only_expired_pairs() -> None:
    now = timezone.now()
    store = DatabaseNonceStore()
    store.seen("key-a", "old", now - timedelta(seconds=1))
    store.seen("key-a", "current", now + timedelta(minutes=5))

    forgotten = purge_expired_nonces(now=now)

    assert forgotten == 1
    assert list(SignatureNonce.objects.values_list("nonce", flat=True)) == ["current"]


def test_development_key_is_generated_once_readable_by_owner_only(
    settings: Any, tmp_path: Path
) -> None:
    settings.FEDERATION_PRIVATE_KEY = ""
    settings.VAR_DIR = tmp_path

    first = instance_key_id()
    second = instance_key_id()

    path = tmp_path / KEY_FILE_NAME
    assert first == second
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE_NAME]


def test_production_without_a_configured_key_refuses_to_federate(settings: Any) -> None:
    settings.FEDERATION_PRIVATE_KEY = ""
    settings.PRODUCTION = True

    with pytest.raises(ImproperlyConfigured, match="HOTLINE_FEDERATION_PRIVATE_KEY_FILE"):
        instance_private_key()


def test_configured_key_is_used(our_key: Ed25519PrivateKey) -> None:
    assert instance_key_id() == key_id_for(our_key.public_key())


def test_forward_is_sent_when_the_partner_accepts_it_and_acknowledged_on_its_ack(
    world: World, remote: Remote
) -> None:
    with serve(Recorder(respond=lambda r: (202, b'{"status": "accepted"}'))) as (url, rec):
        # The partner's inbox is a local server (directory data, edited as an admin would).
        Partner.objects.filter(pk=remote.partner.pk).update(base_url=url)
        referral = _forwarded_referral(world, "http://images.example.test/delivered")
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.QUEUED

        deliver_outbox()

    referral.refresh_from_db()
    message = OutboxMessage.objects.get(related_id=str(referral.pk), channel="http")
    assert len(rec.requests) == 1
    assert (message.state, message.remote_answer) == ("delivered", "HTTP 202 Accepted")
    assert (referral.status, referral.sent_at) == (ReferralStatus.SENT, message.delivered_at)

    _post(remote.key, _message("ack", reference=str(referral.pk), remote_reference="HL-B000-0009"))

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED
