"""Notice-and-takedown end to end: routing → notice → outbox → a real SMTP server; liveness
re-checks against a real HTTP server → removal and time to removal."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from hotline.cases.actions import Verdict
from hotline.cases.models import CloseReason, Item, ItemStatus
from hotline.outbox.actions import deliver_due
from hotline.outbox.models import OutboxMessage
from hotline.routing.models import Destination, Referral, ReferralStatus
from hotline.takedown import actions
from hotline.takedown.models import Notice, NoticeStatus
from hotline.takedown.tasks import check_liveness, items_due_for_liveness
from hotline.takedown.xarf import validate_report
from tests.conftest import World
from tests.factories import AssessedItemFactory, routing_world
from tests.takedown.conftest import SmtpServer
from tests.takedown.servers import Origin

pytestmark = pytest.mark.django_db

BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


@pytest.fixture
def mail(settings: Any, smtp_server: SmtpServer) -> SmtpServer:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.TAKEDOWN_REPLY_TO = "takedown@hotline.example.test"
    settings.BASE_URL = "https://hotline.example.test"
    return smtp_server


def _assessed(world: World, url: str, abuse: str = "abuse@host.example.test") -> Item:
    item: Item = AssessedItemFactory.create(
        url=url, hosted_in="FR", abuse_email=abuse, verdict=BASELINE, analyst=world.alice
    )
    return item


def test_notice_reaches_the_abuse_contact_with_valid_xarf_per_url(
    world: World, mail: SmtpServer
) -> None:
    routing_world()
    first = _assessed(world, "http://images.example.test/a")
    second = _assessed(world, "http://images.example.test/b")
    other = _assessed(world, "http://elsewhere.example.test/c", abuse="abuse@other.example.test")

    assert actions.send_due_notices() == 2  # one e-mail per abuse contact
    while deliver_due("test-worker"):
        pass

    messages = mail.wait_for_messages(3)  # the police referrals plus two notices
    notices = {m["To"]: m for m in messages if m["Subject"] and "Takedown notice" in m["Subject"]}
    assert sorted(notices) == ["abuse@host.example.test", "abuse@other.example.test"]
    grouped = notices["abuse@host.example.test"]
    attachments = [
        p for p in grouped.iter_attachments() if p.get_content_type() == "application/json"
    ]
    reports = [json.loads(p.get_content()) for p in attachments]
    assert sorted(r["url"] for r in reports) == [
        "http://images.example.test/a",
        "http://images.example.test/b",
    ]
    assert [validate_report(r) for r in reports] == [[], []]
    assert grouped["Reply-To"] == "takedown@hotline.example.test"
    body = grouped.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "http://images.example.test/a" in body
    assert "http://images.example.test/b" in body
    for item in (first, second, other):
        referral = Referral.objects.get(item=item, destination=Destination.NOTICE)
        assert referral.status == ReferralStatus.SENT
        assert Item.objects.get(pk=item.pk).timeline.notice_sent_at is not None  # type: ignore[attr-defined]


def test_notice_xarf_names_the_public_host_and_the_verification_time(
    world: World, mail: SmtpServer
) -> None:
    routing_world()
    item = _assessed(world, "http://images.example.test/a")
    assessment = item.assessments.get()

    actions.send_due_notices()
    while deliver_due("test-worker"):
        pass

    notice = next(m for m in mail.wait_for_messages(2) if "Takedown" in (m["Subject"] or ""))
    (attachment,) = [
        p for p in notice.iter_attachments() if p.get_content_type() == "application/json"
    ]
    report = json.loads(attachment.get_content())
    body = notice.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert validate_report(report) == []
    assert (report["reporter"]["domain"], report["sender"]["domain"]) == (
        "hotline.example.test",
        "hotline.example.test",
    )
    assert report["verified_at"] == assessment.created_at.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert attachment.get_filename() == f"xarf-{report['report_id']}.json"
    assert f"Our reference: {report['report_id']}\n" in body


def test_notice_without_a_public_host_name_fails_clearly_and_sends_nothing(
    world: World, mail: SmtpServer, settings: Any
) -> None:
    settings.BASE_URL = "http://127.0.0.1:8000"  # the laptop default
    routing_world()
    _assessed(world, "http://images.example.test/a")
    notice = Notice.objects.get()

    with pytest.raises(ImproperlyConfigured, match=r"^HOTLINE_BASE_URL: takedown notices need"):
        actions.send_due_notices()

    notice.refresh_from_db()
    assert (notice.send_count, notice.first_sent_at) == (0, None)
    assert not OutboxMessage.objects.filter(destination="abuse@host.example.test").exists()


def test_notice_repeats_every_interval_and_escalates(
    world: World, mail: SmtpServer, settings: Any
) -> None:
    settings.TAKEDOWN_ESCALATE_AFTER = 2
    settings.TAKEDOWN_ESCALATION_EMAIL = "regulator@example.test"
    routing_world()
    _assessed(world, "http://images.example.test/a")
    actions.send_due_notices()
    notice = Notice.objects.get()

    assert actions.send_due_notices() == 0  # not due for 24 h
    for expected_count in (2, 3):
        Notice.objects.filter(pk=notice.pk).update(
            next_send_at=timezone.now() - timedelta(seconds=1)
        )
        assert actions.send_due_notices() == 1
        notice.refresh_from_db()
        assert notice.send_count == expected_count

    assert notice.escalated_at is not None
    while deliver_due("test-worker"):
        pass
    reminders = [m for m in mail.wait_for_messages(4) if "eminder" in (m["Subject"] or "")]
    assert [m["Subject"].split(":")[0] for m in reminders] == [
        "[Hotline] Reminder 1",
        "[Hotline] Escalated, reminder 2",
    ]
    assert reminders[-1]["Cc"] == "regulator@example.test"


def test_liveness_gone_twice_confirms_removal_and_measures_time_to_removal(
    world: World, settings: Any, origin: Origin
) -> None:
    settings.LIVENESS_ALLOW_LOOPBACK = True
    settings.LIVENESS_PORTS = [str(origin.port)]
    settings.TAKEDOWN_CONFIRM_REMOVAL_MINUTES = 0
    routing_world()
    live = _assessed(world, f"{origin.url}/ok")
    gone = _assessed(world, f"{origin.url}/status/404")

    assert sorted(items_due_for_liveness()) == sorted([live.pk, gone.pk])
    assert check_liveness.call(item_id=live.pk) == "live"
    assert check_liveness.call(item_id=gone.pk) == "gone"
    assert Item.objects.get(pk=gone.pk).status == ItemStatus.ASSESSED  # one check is not proof
    first_check = gone.liveness_checks.get()  # type: ignore[attr-defined]
    assert check_liveness.call(item_id=gone.pk) == "gone"  # the second check confirms it

    gone.refresh_from_db()
    assert (gone.status, gone.close_reason) == (ItemStatus.CLOSED, CloseReason.REMOVED)
    timeline = gone.timeline  # type: ignore[attr-defined]
    assert timeline.removed_at == timeline.first_seen_offline_at == first_check.checked_at
    assert timeline.time_to_removal == timeline.removed_at - timeline.received_at
    assert Notice.objects.get().status == NoticeStatus.OPEN  # the live one is still on it
    assert ("HEAD", "/ok") in origin.seen()


def test_liveness_never_contacts_a_private_address(world: World) -> None:
    routing_world()
    item = _assessed(world, "http://10.0.0.1/internal")

    assert check_liveness.call(item_id=item.pk) == "blocked"
    assert item.liveness_checks.get().outcome == "blocked"  # type: ignore[attr-defined]
