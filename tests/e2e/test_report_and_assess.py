"""A member of the public reports in French with JavaScript off; an analyst signs in with
two-factor authentication, finds the report at the top of the queue and assesses it; the
reporter's status page changes. All in Debian's real Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Organisation, OrganisationKind, Role
from hotline.cases.models import Item, ItemStatus
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"
URL = "http://gallery.example.test/album/7?page=2"


def _analyst() -> str:
    org = Organisation.objects.filter(is_own=True).first() or account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    user = account_actions.create_user(
        username="alice",
        password=PASSWORD,
        organisation=org,
        roles=[Role.ANALYST],
        acting_user=None,
    )
    device = account_actions.start_totp_enrolment(user)
    # Enrol with the code of the previous step, so the browser's login code (this step) is unused.
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return device.secret


def test_public_report_in_french_without_javascript_then_assessed(live_server: Any) -> None:
    secret = _analyst()
    with browser() as chromium:
        public = chromium.new_context(java_script_enabled=False, locale="fr-FR")  # type: ignore[attr-defined]
        page = public.new_page()
        page.goto(f"{live_server.url}/report/online/")
        assert page.locator("html").get_attribute("lang") == "fr"
        page.fill("#id_urls", URL)
        page.check("input[name=concern][value=csam]")
        page.fill("#id_description", "Rapport synthétique pour le test.")
        page.click("#report-form button[type=submit]")
        reference = page.inner_text("#receipt-reference")
        receipt_code = page.inner_text("#receipt-secret")
        assert reference.startswith("HL-")

        staff = chromium.new_context()  # type: ignore[attr-defined]
        analyst = staff.new_page()
        analyst.goto(f"{live_server.url}/staff/login/")
        analyst.fill("#id_username", "alice")
        analyst.fill("#id_password", PASSWORD)
        analyst.click("#main-form button[type=submit]")
        assert analyst.url.endswith("/staff/2fa/verify/")
        analyst.fill("#id_code", pyotp.TOTP(secret).now())
        analyst.click("#main-form button[type=submit]")
        first_row = analyst.locator("table.queue tbody tr").first
        assert "gallery.example.test/album/7?page=2" in first_row.inner_text()
        first_row.locator("button[type=submit]").click()
        analyst.check("input[name=legality][value=baseline]")
        analyst.check("input[name=severity][value=baseline]")
        analyst.check("input[name=age_group][value=prepubescent]")
        analyst.click("#assessment-form button[type=submit]")
        assert analyst.url.endswith("/staff/cases/")
        assert Item.objects.get().status == ItemStatus.ASSESSED

        status = public.new_page()
        status.goto(f"{live_server.url}/report/status/")
        status.fill("#id_reference", reference)
        status.fill("#id_secret", receipt_code)
        status.click("#status-form button[type=submit]")
        assert status.locator("#report-status").get_attribute("data-status") == "assessed"
        assert status.inner_text("#report-status") == "Évalué"
