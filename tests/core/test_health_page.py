"""The administrators' health page, and the whole loop with real processes: a worker killed
with SIGKILL shows as gone once its lease passes, and the scheduler e-mails the alert."""

from __future__ import annotations

import re
import signal
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.accounts.models import User
from hotline.core.models import WorkerHeartbeat
from hotline.core.tasks import prune_platform_state
from tests.conftest import World, signed_in
from tests.processes import start_hotline, stop, wait_for
from tests.takedown.conftest import SmtpServer

LEASE = 3  # seconds without a heartbeat before a worker is presumed dead


def _worker_states(client: Client) -> dict[str, str]:
    """Worker id -> the state the page shows for it."""
    response = client.get("/staff/health/")
    assert response.status_code == 200
    html = response.content.decode()
    return dict(
        re.findall(
            r'<tr data-worker="([^"]+)">.*?<td class="worker-state">([^<]+)</td>', html, re.S
        )
    )


@pytest.mark.django_db
def test_page_shows_workers_queues_outbox_jobs_feeds_and_disk(world: World) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w-1", hostname="a.example.test", pid=4242, started_at=now, last_seen=now
    )
    prune_platform_state.enqueue()

    response = signed_in(world.erin).get("/staff/health/")

    html = response.content.decode()
    assert response.status_code == 200
    assert _worker_states(signed_in(world.erin)) == {"w-1": "alive"}
    assert "<td>a.example.test</td>" in html
    assert "<td>4242</td>" in html
    assert (
        '<th scope="row">hotline.core.tasks.prune_platform_state</th><td>1</td><td>0</td>' in html
    )
    assert '<th scope="row">failed</th><td>0</td>' in html
    assert '<th scope="row">core.alerts</th>' in html
    assert '<th scope="row">rpz</th>' in html
    assert 'id="disk"' in html
    assert 'href="/staff/health/" aria-current="page">System health</a>' in html


@pytest.mark.django_db
def test_menu_offers_the_page_to_administrators_only(world: World) -> None:
    page = signed_in(world.charlie).get("/staff/cases/").content.decode()

    assert "/staff/health/" not in page


@pytest.mark.django_db
def test_page_is_translated(world: World) -> None:
    client = signed_in(world.erin)

    html = client.get("/staff/health/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h1>État du système</h1>" in html


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_worker_shows_gone_after_its_lease_and_an_alert_arrives(
    world: World, smtp_server: SmtpServer, settings: Any
) -> None:
    settings.WORKER_LEASE_SECONDS = LEASE  # the web side reads the same lease as the worker
    User.objects.filter(pk=world.erin.pk).update(email="erin@hotline-a.example.test")
    client = signed_in(world.erin)
    worker = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
    scheduler = None
    try:
        worker_id = wait_for(
            lambda: WorkerHeartbeat.objects.values_list("worker_id", flat=True).first(),
            what="the worker's first heartbeat",
        )
        assert _worker_states(client) == {worker_id: "alive"}

        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = timezone.now()
        wait_for(
            lambda: _worker_states(client) == {worker_id: "gone"},
            timeout=LEASE + 10,
            what="the page to show the killed worker as gone",
        )
        # Not before the lease: the last heartbeat was at most a beat before the kill.
        last_seen = WorkerHeartbeat.objects.get(worker_id=worker_id).last_seen
        assert timezone.now() - last_seen >= timedelta(seconds=LEASE)
        assert last_seen <= killed_at

        scheduler = start_hotline(
            "scheduler",
            "--interval",
            "0.2",
            HOTLINE_WORKER_LEASE_SECONDS=LEASE,
            HOTLINE_ALERTS_CHECK_SECONDS=1,
            HOTLINE_EMAIL_HOST=smtp_server.host,
            HOTLINE_EMAIL_PORT=smtp_server.port,
            HOTLINE_ALERTS_KINDS="no_worker",
        )
        [message] = smtp_server.wait_for_messages(1, timeout=60)
    finally:
        output = stop(worker)
        if scheduler is not None:
            output += stop(scheduler)

    assert message["Subject"] == "[Hotline] No worker is alive", output
    assert smtp_server.envelopes[0][1] == ["erin@hotline-a.example.test"]
    assert f"within the last {LEASE} seconds" in message.get_content()


@pytest.mark.django_db
def test_readiness_says_whether_the_scheduler_is_alive(settings: Any) -> None:
    from hotline.core.health import readiness
    from hotline.core.models import ScheduledJob

    settings.ALERTS_CHECK_SECONDS = 60
    assert readiness()["scheduler_alive"] is False  # never ran
    job = ScheduledJob.objects.create(name="core.alerts", last_enqueued_at=timezone.now())
    assert readiness()["scheduler_alive"] is True
    ScheduledJob.objects.filter(pk=job.pk).update(
        last_enqueued_at=timezone.now() - timedelta(seconds=181)
    )
    assert readiness()["scheduler_alive"] is False
