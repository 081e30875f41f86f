"""Three staff walks in Debian's Chromium, axe-core over every page they see.

- The analyst assesses ten items with the keyboard only, at 1280x800: the queue's O opens
  the first item, B 1 P S (or D S) gives a complete verdict and opens the next; B S alone is
  refused next to the missing fields, nothing saved.
- The supervisor confirms one verdict with C and returns another with R, from a page that
  shows each item's hosting and what reporters said, then reads the override page.
- The police liaison opens a referral, reads the package as it was sent, records an outcome
  and searches by the item's address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Organisation, OrganisationKind, Role, User
from hotline.cases.actions import Verdict, assess_item
from hotline.cases.models import Assessment, Confirmation, Item, ItemStatus
from hotline.routing.models import PoliceUnit, Referral, ReferralStatus
from hotline.takedown.models import Notice
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser
from tests.factories import ItemFactory, ReferralFactory, delivered_referral, routing_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"
SCREEN = {"width": 1280, "height": 800}


def _own() -> Organisation:
    return Organisation.objects.filter(is_own=True).first() or account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )


def _person(username: str, organisation: Organisation, *roles: str) -> tuple[User, str]:
    user = account_actions.create_user(
        username=username,
        password=PASSWORD,
        organisation=organisation,
        roles=list(roles),
        acting_user=None,
    )
    device = account_actions.start_totp_enrolment(user)
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return user, device.secret


def _sign_in(chromium: Any, url: str, username: str, secret: str) -> Any:
    context = chromium.new_context(viewport=SCREEN)
    page = context.new_page()
    page.goto(f"{url}/staff/login/")
    assert_accessible(page, "login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main-form button[type=submit]")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#main-form button[type=submit]")
    return page


def _fits_the_screen(page: Any) -> None:
    """The assessment form, its save button included, is on screen without scrolling."""
    box = page.locator("#save-assessment").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= SCREEN["height"], box
    assert page.evaluate("window.scrollY") == 0


def test_analyst_assesses_ten_items_with_the_keyboard_only(live_server: Any) -> None:
    alice, secret = _person("alice", _own(), Role.ANALYST)
    items = [
        ItemFactory.create(url=f"http://walk{n}.example.test/page", hosted_in="" if n else "DE")
        for n in range(10)
    ]
    with browser() as chromium:
        page = _sign_in(chromium, live_server.url, "alice", secret)
        assert page.url.endswith("/staff/cases/")
        assert page.inner_text("#queue-total") == "10 items"
        assert_accessible(page, "queue")

        page.keyboard.press("o")  # open the next item
        page.wait_for_selector("#assessment-form")
        _fits_the_screen(page)
        assert_accessible(page, "item page")

        page.keyboard.press("b")
        page.keyboard.press("s")  # incomplete: refused next to the fields, nothing sent
        assert page.locator("#severity-missing").is_visible()
        assert page.locator("#age_group-missing").is_visible()
        assert page.inner_text("#severity-missing") == "Choose a severity for illegal material."
        assert_accessible(page, "item page with the missing fields named")
        assert Assessment.objects.count() == 0

        for n in range(10):
            before = page.url
            if n % 3 == 2:
                page.keyboard.press("d")
                page.keyboard.press("s")
            else:
                for key in "b1ps":
                    page.keyboard.press(key)
            page.wait_for_url(lambda url, before=before: url != before)
            assert page.locator(".messages .success").inner_text().startswith("Item #")
            if n < 9:
                page.wait_for_selector("#assessment-form")
                _fits_the_screen(page)  # with the confirmation above it too
        assert page.url.endswith("/staff/cases/")
        assert page.inner_text(".messages").endswith("Nothing else waits for assessment.")

        assessed = list(Assessment.objects.order_by("created_at"))
        assert len(assessed) == 10
        assert {a.analyst_id for a in assessed} == {alice.pk}
        assert {a.item_id for a in assessed} == {i.pk for i in items}
        assert [(a.legality, a.severity, a.age_group) for a in assessed][:3] == [
            ("baseline", "baseline", "prepubescent"),
            ("baseline", "baseline", "prepubescent"),
            ("doubtful", "", ""),
        ]

        page.goto(f"{live_server.url}/staff/cases/items/{assessed[0].item_id}/")
        assert page.locator("#assessment-form").count() == 0
        assert page.get_attribute("#current-verdict", "data-legality") == "baseline"
        assert_accessible(page, "assessed item")


def test_supervisor_confirms_and_returns_with_one_key(live_server: Any, settings: Any) -> None:
    settings.FOUR_EYES = ["not_illegal"]
    own = _own()
    alice, _secret = _person("alice", own, Role.ANALYST)
    _charlie, secret = _person("charlie", own, Role.SUPERVISOR, Role.ANALYST)
    first = ItemFactory.create(url="http://four-eyes.example.test/1", hosted_in="DE")
    second = ItemFactory.create(url="http://four-eyes.example.test/2")
    for item in (first, second):
        assess_item(item, Verdict(legality="not_illegal"), acting_user=alice)
    settings.BASE_URL = "https://hotline.example.test"  # XARF names this instance
    noticed = ReferralFactory.create(destination="notice", analyst=alice)
    notice = Notice.objects.get(notice_items__referral=noticed)

    with browser() as chromium:
        page = _sign_in(chromium, live_server.url, "charlie", secret)
        page.goto(f"{live_server.url}/staff/cases/confirmations/")
        articles = page.locator("article.confirmation")
        assert articles.count() == 2
        text = articles.first.inner_text()
        assert "four-eyes.example.test/1" in text
        assert "192.0.2.10 — DE, AS64500 Hosting DE" in text
        assert "Child sexual abuse material (images or videos)" in text
        assert articles.first.locator(f'a[href="/staff/cases/items/{first.pk}/"]').count() == 1
        assert_accessible(page, "confirmations")

        page.keyboard.press("c")
        page.wait_for_selector(".messages .success")
        assert page.inner_text(".messages .success") == f"Item #{first.pk}: verdict confirmed."
        page.keyboard.press("r")
        page.wait_for_selector(f"text=Item #{second.pk}: verdict returned")
        assert page.inner_text("main").endswith("Nothing waits for confirmation.")
        assert_accessible(page, "confirmations, all done")

        page.goto(f"{live_server.url}/staff/routing/items/{second.pk}/override/")
        assert page.inner_text("#override-condition") == "Hosting country unknown"
        assert_accessible(page, "override")

        page.goto(f"{live_server.url}/staff/notices/")
        assert_accessible(page, "notices")
        page.click(f'a[href="/staff/notices/{notice.pk}/"]')
        assert "Draft, not queued" in page.inner_text("#notice-preview")
        page.click("#notice-preview details summary")
        assert '"type": "csam"' in page.inner_text("#notice-preview details pre")
        assert_accessible(page, "notice")

    assessments = {a.item_id: a.confirmation for a in Assessment.objects.exclude(item=noticed.item)}
    assert assessments == {first.pk: Confirmation.CONFIRMED, second.pk: Confirmation.REJECTED}
    assert Item.objects.get(pk=second.pk).status == ItemStatus.NEW


def test_police_liaison_reads_the_package_and_records_an_outcome(live_server: Any) -> None:
    own = _own()
    alice, _secret = _person("alice", own, Role.ANALYST)
    police_org = account_actions.create_organisation(
        name="Police unit", kind=OrganisationKind.LAW_ENFORCEMENT, country="FR", acting_user=None
    )
    _dave, secret = _person("dave", police_org, Role.LAW_ENFORCEMENT_LIAISON)
    unit = routing_world().police
    PoliceUnit.objects.filter(pk=unit.pk).update(organisation=police_org)
    referral = delivered_referral(url="http://liaison.example.test/gallery", analyst=alice)

    with browser() as chromium:
        page = _sign_in(chromium, live_server.url, "dave", secret)
        assert page.url.endswith("/staff/routing/referrals/")
        assert_accessible(page, "referrals")
        page.click(f'a[href="/staff/routing/referrals/{referral.pk}/"]')
        classification = page.inner_text("#package-classification")
        assert "Illegal: baseline (illegal everywhere)" in classification
        assert "Prepubescent (3–12)" in classification
        assert "192.0.2.10" in page.inner_text("#package-hosting")
        assert "test IP data" in page.inner_text("#package-hosting")
        assert page.get_attribute("#referral-delivery .delivery", "data-delivery") == "delivered"
        assert f"Referral {referral.pk}: item {referral.item_id}" in page.inner_text(
            "#sent-messages"
        )
        page.click("#sent-messages details summary")
        assert '"legality": "baseline"' in page.inner_text("#sent-messages details pre")
        assert_accessible(page, "referral")

        page.select_option("#id_u-status", "acknowledged")
        page.fill("#id_u-remote_reference", "PV-2026-0042")
        page.click("#update-submit")
        assert page.get_attribute("#referral-status", "data-status") == "acknowledged"
        assert_accessible(page, "referral after the outcome")

        page.goto(f"{live_server.url}/staff/search/?q=PV-2026-0042")
        assert page.locator("#search-referrals tbody tr").count() == 1
        assert_accessible(page, "search")

    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.status, referral.remote_reference) == (
        ReferralStatus.ACKNOWLEDGED,
        "PV-2026-0042",
    )
