"""Walks in Debian's Chromium, one per role, with axe-core over every page they see.

The reporter is on a phone with JavaScript off: report form → receipt (next steps, help) →
status. Staff sign in with two-factor authentication at 1280 px: the header stays on one
row, every menu opens without JavaScript, and every page the menus lead to is accessible.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Organisation, OrganisationKind, Role
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _staff(username: str, role: str) -> str:
    org = Organisation.objects.filter(is_own=True).first() or account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    user = account_actions.create_user(
        username=username, password=PASSWORD, organisation=org, roles=[role], acting_user=None
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


def _axe_twin(chromium: Any) -> Any:
    """axe-core needs JavaScript: a page of a JavaScript-enabled context gets a copy of what
    the JavaScript-less reporter sees (its DOM, styled by the same stylesheets)."""
    twin = chromium.new_context(viewport=PHONE).new_page()

    def check(page: Any, what: str) -> None:
        html = page.content().replace("<head>", f'<head><base href="{page.url}">', 1)
        twin.set_content(html, wait_until="load")
        assert_accessible(twin, what)

    return check


def test_reporter_on_a_phone_without_javascript(live_server: Any) -> None:
    with browser() as chromium:
        context = chromium.new_context(java_script_enabled=False, viewport=PHONE)  # type: ignore[attr-defined]
        page = context.new_page()
        check = _axe_twin(chromium)
        page.goto(f"{live_server.url}/report/online/")
        check(page, "report form")  # the honeypot included
        page.fill("#id_urls", "not a url")
        page.check("input[name=concern][value=sextortion]")
        page.click("#report-form button[type=submit]")
        assert "has no site name with a dot" in page.inner_text("#report-form")
        check(page, "report form with an error")
        page.fill("#id_urls", "http://walk.example.test/page")
        page.click("#report-form button[type=submit]")

        reference = page.inner_text("#receipt-reference").strip()
        secret = page.inner_text("#receipt-secret").strip()
        assert page.is_visible("#next-steps")
        assert page.locator("#help [data-resource=take_it_down]").count() == 1
        check(page, "receipt")

        page.click("#next-steps a[href$='/report/status/']")
        page.fill("#id_reference", reference)
        page.fill("#id_secret", secret)
        page.click("#status-form button[type=submit]")
        assert page.get_attribute("#report-status", "data-status") == "received"
        check(page, "status")

        page.click("footer >> text=Privacy notice")
        assert page.inner_text("h1") == "Privacy notice"
        check(page, "privacy notice")
        page.goto(f"{live_server.url}/travel/report/")
        check(page, "travel form")
        context.close()


def _walk_menus(page: Any, base: str) -> list[str]:
    """Open every menu of the header (no JavaScript), check the header is one row, visit every
    link with axe-core; returns the pages seen."""
    header = page.locator(".site-header")
    row = {
        round(box["y"])
        for box in (el.bounding_box() for el in header.locator(":scope > *, .staff-nav > *").all())
        if box
    }
    assert max(row) - min(row) <= 12, f"header wraps: tops {sorted(row)}"
    links = []
    for menu in page.locator("nav.staff-nav details.menu").all():
        menu.locator("summary").click()
        assert menu.get_attribute("open") is not None
        links += [a.get_attribute("href") for a in menu.locator("a").all()]
        menu.locator("summary").click()
    assert_accessible(page, "start page")
    for href in links:
        response = page.goto(f"{base}{href}")
        assert response is not None, href
        assert response.status == 200, href
        assert_accessible(page, href)
    return links


def test_administrator_walk(live_server: Any) -> None:
    secret = _staff("erin", Role.ADMINISTRATOR)
    with browser() as chromium:
        context = chromium.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, live_server.url, "erin", secret)

        seen = _walk_menus(page, live_server.url)
        page.goto(f"{live_server.url}/staff/admin/routing/routingrule/add/")
        assert page.locator("input[type=checkbox][name=destinations]").count() == 6
        assert_accessible(page, "routing rule form")
        page.goto(f"{live_server.url}/staff/admin/routing/partner/add/")
        assert_accessible(page, "partner form")
        page.goto(f"{live_server.url}/staff/no-such-page/")
        assert page.inner_text("h1") == "Page not found"
        assert page.locator("nav.staff-nav").count() == 1
        context.close()

    assert "/staff/admin/" in seen
    assert "/staff/audit/" not in seen  # administrators do not read the audit log


def test_auditor_walk(live_server: Any) -> None:
    secret = _staff("frank", Role.AUDITOR)
    with browser() as chromium:
        context = chromium.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, live_server.url, "frank", secret)

        seen = _walk_menus(page, live_server.url)
        page.goto(f"{live_server.url}/staff/cases/")
        assert re.search(r"Not allowed", page.inner_text("h1"))
        assert page.locator("nav.staff-nav details.menu").count() >= 1
        assert_accessible(page, "not allowed")
        context.close()

    assert "/staff/audit/" in seen
