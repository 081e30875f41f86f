"""An administrator issues an RPZ feed token on the staff pages in Debian's Chromium; the
token read from the page pulls the zone over HTTP from the live server; after revocation on
the same pages the next pull is refused with reason ``revoked``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from hotline.accounts import actions as account_actions
from hotline.accounts.models import (
    ApiCredential,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from hotline.feeds.actions import mark_domain_dedicated
from hotline.routing.models import JurisdictionProfile
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"


def _administrator() -> tuple[str, User]:
    own = Organisation.objects.filter(is_own=True).first() or account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    account_actions.create_organisation(
        name="Resolver ISP", kind=OrganisationKind.ISP, country="FR", acting_user=None
    )
    user = account_actions.create_user(
        username="erin",
        password=PASSWORD,
        organisation=own,
        roles=[Role.ADMINISTRATOR],
        acting_user=None,
    )
    device = account_actions.start_totp_enrolment(user)
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return device.secret, user


def _pull(url: str, token: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_administrator_issues_a_feed_token_that_pulls_the_rpz(live_server: Any) -> None:
    secret, erin = _administrator()
    JurisdictionProfile.objects.get_or_create(country="FR", defaults={"blocking_allowed": True})
    mark_domain_dedicated("dedicated.example.test", reason="synthetic", acting_user=erin)
    rpz_url = f"{live_server.url}/api/v1/feeds/rpz"

    with browser() as chromium:
        page = chromium.new_context().new_page()  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/staff/login/")
        page.fill("#id_username", "erin")
        page.fill("#id_password", PASSWORD)
        page.click("#main-form button[type=submit]")
        page.fill("#id_code", pyotp.TOTP(secret).now())
        page.click("#main-form button[type=submit]")
        page.click("nav.staff-nav details[data-menu=admin] > summary")  # menus are <details>
        page.click("nav.staff-nav >> text=API credentials")
        page.click("#issue-credential")
        page.select_option("#id_organisation", label="Resolver ISP (FR)")
        page.fill("#id_name", "resolver cluster")
        page.select_option("#id_kind", "feed_consumer")
        page.check('input[name=scopes][value="feed:rpz"]')
        page.click("#issue-form button[type=submit]")
        token = page.inner_text("#token").strip()

        status, content_type, zone = _pull(rpz_url, token)
        assert (status, content_type) == (200, "text/dns")
        assert zone.splitlines()[-2:] == [
            "dedicated.example.test CNAME .",
            "*.dedicated.example.test CNAME .",
        ]

        page.reload()  # the browser re-sends the form: no second credential, no token
        assert page.locator("#token").count() == 0
        assert "a token cannot be shown again" in page.inner_text("ul.messages")
        assert ApiCredential.objects.filter(name="resolver cluster").count() == 1

        page.goto(f"{live_server.url}/staff/credentials/")
        page.click("#credentials >> text=resolver cluster")
        page.fill("#id_reason", "synthetic end of contract")
        page.click("#revoke-form button[type=submit]")
        assert "revoked" in page.inner_text("#credential-state")

    status, content_type, body = _pull(rpz_url, token)
    assert (status, content_type, json.loads(body)["reason"]) == (
        401,
        "application/problem+json",
        "revoked",
    )
