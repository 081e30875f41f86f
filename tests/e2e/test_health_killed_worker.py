"""The issue's proof in Debian's Chromium: an administrator watches the health page while a
real worker is killed with SIGKILL; the page shows it gone once its lease passes (not
before), and the scheduler's alert e-mail reaches the administrator over real SMTP. The page
has no axe-core violations in either state."""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.utils import timezone

from hotline.accounts.models import User
from hotline.core.models import WorkerHeartbeat
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser
from tests.e2e.test_issue_feed_token import PASSWORD, _administrator
from tests.processes import start_hotline, stop, wait_for
from tests.takedown.conftest import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE = 3  # seconds without a heartbeat before a worker is presumed dead


def _state(page: Any, worker_id: str) -> str:
    page.reload()
    cell = page.locator(f'tr[data-worker="{worker_id}"] td.worker-state')
    return str(cell.inner_text()).strip() if cell.count() else ""


def test_health_page_in_chromium_shows_a_killed_worker_gone_and_the_alert_arrives(
    live_server: Any, smtp_server: SmtpServer, settings: Any
) -> None:
    settings.WORKER_LEASE_SECONDS = LEASE  # the live server reads the worker's lease
    secret, erin = _administrator()
    User.objects.filter(pk=erin.pk).update(email="erin@hotline-a.example.test")
    worker = start_hotline("worker", "--interval", "0.1", HOTLINE_WORKER_LEASE_SECONDS=LEASE)
    scheduler = None
    try:
        worker_id = wait_for(
            lambda: WorkerHeartbeat.objects.values_list("worker_id", flat=True).first(),
            timeout=60,
            what="the worker's first heartbeat",
        )
        with browser() as chromium:
            page = chromium.new_context().new_page()  # type: ignore[attr-defined]
            page.goto(f"{live_server.url}/staff/login/")
            page.fill("#id_username", "erin")
            page.fill("#id_password", PASSWORD)
            page.click("#main-form button[type=submit]")
            page.fill("#id_code", pyotp.TOTP(secret).now())
            page.click("#main-form button[type=submit]")
            page.click("nav.staff-nav details[data-menu=admin] > summary")  # menus are <details>
            page.click("nav.staff-nav >> text=System health")
            assert _state(page, worker_id) == "alive"
            assert_accessible(page, "health page, worker alive")

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            killed_at = timezone.now()
            wait_for(
                lambda: _state(page, worker_id) == "gone",
                timeout=LEASE + 15,
                what="the page to show the killed worker as gone",
            )
            last_seen = WorkerHeartbeat.objects.get(worker_id=worker_id).last_seen
            assert timezone.now() - last_seen >= timedelta(seconds=LEASE)  # not before the lease
            assert last_seen <= killed_at
            assert_accessible(page, "health page, worker gone")

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
        [message] = smtp_server.wait_for_messages(1, timeout=90)
    finally:
        output = stop(worker)
        if scheduler is not None:
            output += stop(scheduler)

    assert message["Subject"] == "[Hotline] No worker is alive", output
    assert smtp_server.envelopes[0][1] == ["erin@hotline-a.example.test"]
