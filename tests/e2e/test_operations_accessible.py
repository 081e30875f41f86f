"""axe-core over the operations pages in Debian's Chromium: the outbox, the health page, the
credentials pages and partner onboarding (an administrator), the audit log (an auditor), each
with content on it (a failed message, a worker, a credential, a partner, audit events). Zero
violations of any impact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from django.utils import timezone

from hotline.accounts import actions as account_actions
from hotline.accounts.models import ClientKind, Organisation, OrganisationKind, Role, Scope
from hotline.core.models import WorkerHeartbeat
from hotline.outbox.actions import enqueue
from hotline.outbox.models import OutboxMessage
from hotline.routing.federation.actions import add_partner
from hotline.routing.federation.keys import generate_private_key, public_key_to_text
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"


def _user(username: str, role: str, own: Organisation) -> str:
    user = account_actions.create_user(
        username=username, password=PASSWORD, organisation=own, roles=[role], acting_user=None
    )
    device = account_actions.start_totp_enrolment(user)
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return device.secret


def _sign_in(page: Any, base: str, username: str, secret: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main-form button[type=submit]")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#main-form button[type=submit]")


def _world() -> tuple[str, str, int, int]:
    own = account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    isp = account_actions.create_organisation(
        name="Resolver ISP", kind=OrganisationKind.ISP, country="FR", acting_user=None
    )
    admin = _user("erin", Role.ADMINISTRATOR, own)
    auditor = _user("frank", Role.AUDITOR, own)
    credential = account_actions.issue_credential(
        organisation=isp,
        name="resolvers",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.FEED_RPZ],
        acting_user=None,
    ).credential
    partner = add_partner(
        name="Hotline DE",
        country="DE",
        base_url="https://hotline-de.example.test",
        public_key=public_key_to_text(generate_private_key().public_key()),
        acting_user=None,
    )
    message = enqueue("email", "abuse@host.example.test", {"subject": "s", "body": "b"})
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=2, last_error="550 5.7.1 Relaying refused", last_attempt_at=timezone.now()
    )
    WorkerHeartbeat.objects.create(
        worker_id="worker-1",
        hostname="web-1.example.test",
        pid=4242,
        started_at=timezone.now(),
        last_seen=timezone.now(),
    )
    return admin, auditor, credential.pk, partner.pk


def test_operations_pages_have_no_axe_violations(live_server: Any) -> None:
    admin, auditor, credential, partner = _world()
    base = live_server.url
    administrator_pages = [
        "/staff/outbox/",
        "/staff/outbox/?state=failed",
        "/staff/health/",
        "/staff/credentials/",
        "/staff/credentials/new/",
        f"/staff/credentials/{credential}/",
        "/staff/routing/partners/",
        "/staff/routing/partners/new/",
        f"/staff/routing/partners/{partner}/",
    ]

    with browser() as chromium:
        page = chromium.new_context().new_page()  # type: ignore[attr-defined]
        _sign_in(page, base, "erin", admin)
        for path in administrator_pages:
            response = page.goto(f"{base}{path}")
            assert response.status == 200, path
            assert_accessible(page, path)
        # A form sent back with errors, as an administrator may see it.
        page.goto(f"{base}/staff/routing/partners/{partner}/")
        page.fill("#id_public_key", "not a key")
        page.click("#key-form button[type=submit]")
        assert page.locator(".error-summary").count() == 1
        assert_accessible(page, "partner page with a refused key")

        page = chromium.new_context().new_page()  # type: ignore[attr-defined]
        _sign_in(page, base, "frank", auditor)
        for path in ("/staff/audit/", "/staff/audit/?action=credential.issue"):
            response = page.goto(f"{base}{path}")
            assert response.status == 200, path
            assert_accessible(page, path)
