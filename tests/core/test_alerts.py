"""E-mail alerts: each condition, the rate limit, recipients, and that the scheduler itself runs
the check. Mail goes to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any as SettingsWrapper  # pytest-django exports no type for it

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.audit.models import AuditEvent
from hotline.core import alerts, schedule
from hotline.core.models import AlertState, WorkerHeartbeat
from hotline.core.registry import Registry
from hotline.core.tasks import check_alerts, prune_platform_state
from hotline.feeds.models import FeedList, Serial
from hotline.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import World
from tests.takedown.conftest import SmtpServer

ADMIN_EMAIL = "erin@hotline-a.example.test"


@pytest.fixture
def mail(smtp_server: SmtpServer, settings: SettingsWrapper, world: World) -> SmtpServer:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    User.objects.filter(pk=world.erin.pk).update(email=ADMIN_EMAIL)
    return smtp_server


def _live_worker() -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w-live", hostname="host.example.test", pid=1, started_at=now, last_seen=now
    )


@pytest.mark.django_db
def test_no_worker_alert_reaches_administrators_once_per_interval(mail: SmtpServer) -> None:
    assert alerts.check_and_send() == ["no_worker"]
    assert alerts.check_and_send() == []  # still true, but rate-limited

    [message] = mail.wait_for_messages(1)
    assert message["Subject"] == "[Hotline] No worker is alive"
    assert message["X-Hotline-Alert"] == "no_worker"
    assert mail.envelopes[0][1] == [ADMIN_EMAIL]
    assert "http://127.0.0.1:8000/staff/health/" in message.get_content()
    assert AuditEvent.objects.filter(action="core.alert.sent").count() == 1

    AlertState.objects.filter(key="no_worker").update(
        last_sent_at=timezone.now() - timedelta(minutes=61)
    )
    assert alerts.check_and_send() == ["no_worker"]
    assert AlertState.objects.get(key="no_worker").sent_count == 2


@pytest.mark.django_db
def test_live_worker_and_quiet_platform_send_nothing(mail: SmtpServer) -> None:
    _live_worker()

    assert alerts.platform_alerts() == []
    assert alerts.check_and_send() == []
    assert mail.messages == []


@pytest.mark.django_db
def test_old_waiting_task_alerts_per_task_name(mail: SmtpServer, settings: SettingsWrapper) -> None:
    _live_worker()
    settings.ALERTS_QUEUE_AGE_MINUTES = 30
    old = prune_platform_state.enqueue()
    check_alerts.enqueue()  # fresh: under the threshold
    DBTaskResult.objects.filter(pk=old.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=31)
    )

    sent = alerts.check_and_send()

    assert sent == ["queue_age:hotline.core.tasks.prune_platform_state"]
    [message] = mail.wait_for_messages(1)
    assert (
        message["Subject"] == "[Hotline] Tasks are waiting: hotline.core.tasks.prune_platform_state"
    )
    assert "the oldest has waited 31 minutes (threshold: 30)" in message.get_content()


@pytest.mark.django_db
def test_parked_messages_alert(mail: SmtpServer) -> None:
    _live_worker()
    OutboxMessage.objects.create(channel="email", destination="x@example.test")
    OutboxMessage.objects.create(
        channel="email", destination="y@example.test", status=MessageStatus.FAILED
    )

    assert alerts.check_and_send() == ["parked"]
    assert "1 outgoing message(s) failed" in mail.wait_for_messages(1)[0].get_content()


@pytest.mark.django_db
def test_unpublished_zone_alerts_after_the_threshold(
    mail: SmtpServer, settings: SettingsWrapper, tmp_path: Path
) -> None:
    _live_worker()
    settings.ALERTS_FEED_UNPUBLISHED_MINUTES = 30
    settings.FEEDS_DIR = tmp_path  # no zone file written yet
    Serial.objects.filter(feed_list=FeedList.BLOCKLIST).update(
        value=7, changed_at=timezone.now() - timedelta(minutes=5)
    )
    assert alerts.platform_alerts() == []  # changed recently: publication may be under way

    Serial.objects.filter(feed_list=FeedList.BLOCKLIST).update(
        changed_at=timezone.now() - timedelta(minutes=31)
    )

    # Only the zone file lags; the URL and hash lists are built at each pull.
    assert alerts.check_and_send() == ["feed_unpublished:rpz"]
    body = mail.wait_for_messages(1)[0].get_content()
    assert "is at serial 7 since" in body
    assert "consumers are still served serial none" in body


@pytest.mark.django_db(transaction=True)
def test_broken_audit_chain_alerts(mail: SmtpServer, tamper: None) -> None:
    events = [record(f"test.event{i}", actor=None, object_type="t", object_id=i) for i in range(3)]
    assert alerts.verify_audit_and_send() == []
    for event in events:
        event.refresh_from_db()  # placed in the tree by the check

    AuditEvent.objects.filter(pk=events[1].pk).delete()

    assert alerts.verify_audit_and_send() == ["audit_chain"]
    body = mail.wait_for_messages(1)[0].get_content()
    assert f"#{events[2].seq}: sequence gap: expected #{events[1].seq}" in body


@pytest.mark.django_db
def test_disabled_kinds_and_configured_recipients(
    mail: SmtpServer, settings: SettingsWrapper
) -> None:
    settings.ALERTS_KINDS = ["parked"]
    settings.ALERTS_RECIPIENTS = ["ops@example.test", "oncall@example.test"]
    OutboxMessage.objects.create(
        channel="email", destination="y@example.test", status=MessageStatus.FAILED
    )

    assert alerts.check_and_send() == ["parked"]  # no worker alive, but that kind is off
    mail.wait_for_messages(1)
    assert mail.envelopes == [("hotline@example.test", ["ops@example.test", "oncall@example.test"])]


@pytest.mark.django_db
def test_no_recipient_sends_nothing_and_records_nothing(
    smtp_server: SmtpServer, settings: SettingsWrapper, world: World
) -> None:
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port

    assert alerts.check_and_send() == []  # erin has no address
    assert AlertState.objects.count() == 0


@pytest.mark.django_db
def test_unreachable_smtp_is_retried_at_the_next_check(
    mail: SmtpServer, settings: SettingsWrapper
) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there

    assert alerts.check_and_send() == []
    assert AlertState.objects.count() == 0
    settings.EMAIL_PORT = port
    assert alerts.check_and_send() == ["no_worker"]


@pytest.mark.django_db
def test_scheduler_runs_the_alert_check_itself_without_queueing_it(
    mail: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "JOBS", Registry[schedule.PeriodicJob]("periodic job"))
    schedule.register_periodic(
        "core.alerts", every=timedelta(seconds=60), task=check_alerts, in_scheduler=True
    )

    assert schedule.enqueue_due_jobs() == ["core.alerts"]

    assert DBTaskResult.objects.count() == 0
    assert [m["Subject"] for m in mail.wait_for_messages(1)] == ["[Hotline] No worker is alive"]
    assert schedule.enqueue_due_jobs() == []  # not due again for a minute


def test_unknown_alert_kind_is_refused() -> None:
    import subprocess
    import sys

    from tests.processes import ROOT, child_env

    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=child_env(
            DJANGO_SETTINGS_MODULE="hotline.settings", HOTLINE_ALERTS_KINDS="no_worker,nope"
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "HOTLINE_ALERTS_KINDS: unknown nope; choose from no_worker" in done.stderr


@override_settings(ALERTS_KINDS=[])
@pytest.mark.django_db
def test_all_kinds_off_means_no_alert(world: World) -> None:
    assert alerts.platform_alerts() == []
