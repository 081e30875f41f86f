"""The Prometheus endpoint: token-protected, and its output read by the real parsers
(prometheus-client's and ``promtool check metrics`` from Debian's prometheus package)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from hotline.accounts.actions import issue_credential
from hotline.accounts.models import ClientKind, Scope
from hotline.core.models import ScheduledJob, WorkerHeartbeat
from hotline.core.tasks import prune_platform_state
from hotline.feeds.models import FeedList, Serial
from hotline.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import World, skip_unless_ci


def _token(world: World) -> str:
    return issue_credential(
        organisation=world.hotline_a,
        name="prometheus",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.METRICS],
        acting_user=None,
    ).token


def _scrape(token: str) -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def platform(world: World) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w-live", hostname="a.example.test", pid=10, started_at=now, last_seen=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="w-dead",
        hostname="b.example.test",
        pid=11,
        started_at=now - timedelta(hours=1),
        last_seen=now - timedelta(minutes=10),
    )
    first = prune_platform_state.enqueue()
    prune_platform_state.enqueue()
    DBTaskResult.objects.filter(pk=first.id).update(enqueued_at=now - timedelta(seconds=600))
    OutboxMessage.objects.create(channel="email", destination="a@example.test")
    OutboxMessage.objects.create(
        channel="email", destination="b@example.test", status=MessageStatus.FAILED
    )
    ScheduledJob.objects.create(name="core.prune", last_enqueued_at=now - timedelta(minutes=3))
    Serial.objects.filter(feed_list=FeedList.BLOCKLIST).update(value=4, changed_at=now)


@pytest.mark.django_db
def test_metrics_show_the_platform_as_it_is(world: World, platform: None) -> None:
    text = _scrape(_token(world))
    samples = _samples(text)
    task = (("task", "hotline.core.tasks.prune_platform_state"),)

    assert samples[("hotline_database_up", ())] == 1.0
    assert samples[("hotline_workers", (("state", "alive"),))] == 1.0
    assert samples[("hotline_workers", (("state", "dead"),))] == 1.0
    assert samples[("hotline_worker_up", (("host", "a.example.test"), ("worker", "w-live")))] == 1.0
    assert samples[("hotline_worker_up", (("host", "b.example.test"), ("worker", "w-dead")))] == 0.0
    assert samples[("hotline_tasks_ready", task)] == 2.0
    assert 600 <= samples[("hotline_tasks_oldest_wait_seconds", task)] < 700
    assert samples[("hotline_outbox_messages", (("state", "pending"),))] == 1.0
    assert samples[("hotline_outbox_messages", (("state", "failed"),))] == 1.0
    assert samples[("hotline_outbox_messages", (("state", "delivered"),))] == 0.0
    assert samples[("hotline_feed_serial", (("feed", "rpz"),))] == 4.0
    assert samples[("hotline_feed_published_serial", (("feed", "rpz"),))] == -1.0
    assert samples[("hotline_feed_published_serial", (("feed", "blocklist"),))] == 4.0
    last_prune = samples[
        ("hotline_scheduler_job_last_run_timestamp_seconds", (("job", "core.prune"),))
    ]
    assert abs(last_prune - (timezone.now() - timedelta(minutes=3)).timestamp()) < 60
    assert samples[("hotline_media_disk_total_bytes", ())] > 0


@pytest.mark.django_db
def test_metrics_pass_promtool(world: World, platform: None) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        skip_unless_ci("promtool (Debian package prometheus) is not installed")
        return
    text = _scrape(_token(world))

    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.django_db
def test_metrics_want_the_metrics_scope(world: World) -> None:
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {world.feed_token}")
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "credential lacks the 'metrics' scope"
