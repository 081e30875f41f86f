"""THE PROOF, in Debian's real Chromium: a traveller reports in Russian with JavaScript off;
an analyst sees three referrals with the legal facts of each country and sends them; a
police liaison records that an investigation was opened; the statistics count it; the
traveller's status page says action was taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from django.utils import timezone

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Organisation, OrganisationKind, Role
from hotline.routing.models import Referral, ReferralStatus
from hotline.tourism.models import TravelReport
from tests.e2e.browser import browser
from tests.factories import deliver_outbox
from tests.tourism.factories import police_org, travel_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"


def _enrolled(username: str, organisation: Organisation, role: str) -> str:
    user = account_actions.create_user(
        username=username,
        password=PASSWORD,
        organisation=organisation,
        roles=[role],
        acting_user=None,
    )
    device = account_actions.start_totp_enrolment(user)
    # Enrol with the previous step's code, so the browser's login code (this step) is unused.
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return device.secret


def _sign_in(page: Any, base: str, username: str, secret: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main-form button[type=submit]")
    assert page.url.endswith("/staff/2fa/verify/")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#main-form button[type=submit]")


def _facts(row: Any) -> list[tuple[str | None, str | None]]:
    cells = row.locator("td.legal-fact")
    return [
        (cells.nth(i).get_attribute("data-fact"), cells.nth(i).get_attribute("data-value"))
        for i in range(cells.count())
    ]


EXPECTED_FACTS = {
    "place_of_offence": [
        ("extraterritorial_jurisdiction", "false"),
        ("dual_criminality_required", "true"),
        ("extradition_possible", "false"),
    ],
    "suspect_nationality": [
        ("extraterritorial_jurisdiction", "true"),
        ("dual_criminality_required", "false"),
        ("extradition_possible", "unknown"),
    ],
    "reporter_residence": [
        ("extraterritorial_jurisdiction", "unknown"),
        ("dual_criminality_required", "unknown"),
        ("extradition_possible", "unknown"),
    ],
}


def test_travel_report_in_russian_referred_and_outcome_counted(live_server: Any) -> None:
    own = account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    police_de = police_org("Police DE", "DE")
    travel_world(nationality_org=police_de)
    analyst_secret = _enrolled("alice", own, Role.ANALYST)
    liaison_secret = _enrolled("dave", police_de, Role.LAW_ENFORCEMENT_LIAISON)
    base = live_server.url
    day = (timezone.now() - timedelta(days=30)).date().isoformat()

    with browser() as chromium:
        # 1. A traveller reports in Russian, with JavaScript off.
        public = chromium.new_context(java_script_enabled=False, locale="ru-RU")  # type: ignore[attr-defined]
        traveller = public.new_page()
        traveller.goto(f"{base}/travel/report/")
        assert traveller.locator("html").get_attribute("lang") == "ru"
        assert traveller.title() == "Сообщить о сексуальной эксплуатации ребёнка путешественником"
        traveller.select_option("#id_country", "TH")
        traveller.fill("#id_city", "Синтетик-Бей")
        traveller.check("input[name=venue_type][value=hotel]")
        traveller.fill("#id_venue_name", "Hotel Example")
        traveller.fill("#id_occurred_on", day)
        traveller.fill("#id_occurred_time", "21:30")
        traveller.select_option("#id_time_zone", "Asia/Bangkok")
        traveller.fill("#id_observed", "Синтетический тестовый отчёт: взрослый гость увёл ребёнка.")
        traveller.check("#id_child_in_danger")
        traveller.fill("#id_suspect_name", "Jon Example")
        traveller.select_option("#id_suspect_nationality", "DE")
        traveller.select_option("#id_reporter_country", "BE")
        traveller.click("#travel-report-submit")
        assert traveller.inner_text("#emergency-number") == "191"
        reference = traveller.inner_text("#receipt-reference")
        receipt_code = traveller.inner_text("#receipt-secret")
        assert reference.startswith("HL-")
        travel = TravelReport.objects.get(report__reference=reference)
        assert (travel.report.language, travel.country, travel.reporter_country) == (
            "ru",
            "TH",
            "BE",
        )

        # 2. An analyst opens the case, sees three referrals with their legal facts, sends them.
        staff = chromium.new_context()  # type: ignore[attr-defined]
        analyst = staff.new_page()
        _sign_in(analyst, base, "alice", analyst_secret)
        analyst.goto(f"{base}/travel/staff/")
        analyst.click(f"#travel-cases a:text('{reference}')")
        planned = analyst.locator("#planned-table tr.planned")
        assert planned.count() == 3
        assert {
            planned.nth(i).get_attribute("data-kind"): _facts(planned.nth(i)) for i in range(3)
        } == EXPECTED_FACTS
        analyst.click("#refer-submit")
        sent = analyst.locator("#referral-table tr.referral")
        assert sent.count() == 3
        assert {sent.nth(i).get_attribute("data-kind"): _facts(sent.nth(i)) for i in range(3)} == (
            EXPECTED_FACTS
        )
        assert [
            sent.nth(i).locator("td[data-status]").get_attribute("data-status") for i in range(3)
        ] == ["queued", "queued", "queued"]  # until the outbox delivers the e-mails
        deliver_outbox()
        analyst.reload()
        sent = analyst.locator("#referral-table tr.referral")
        assert [
            sent.nth(i).locator("td[data-status]").get_attribute("data-status") for i in range(3)
        ] == ["sent", "sent", "sent"]

        # 3. A police liaison of the suspect's country records that an investigation was opened.
        police = chromium.new_context()  # type: ignore[attr-defined]
        liaison = police.new_page()
        _sign_in(liaison, base, "dave", liaison_secret)
        liaison.goto(f"{base}/travel/staff/referrals/")
        rows = liaison.locator("#travel-referrals tbody tr")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-kind") == "suspect_nationality"
        rows.first.locator("a").first.click()
        liaison.select_option("#id_outcome-status", "investigation_opened")
        liaison.click("#outcome-submit")
        assert liaison.locator("#referral-status").get_attribute("data-status") == (
            "investigation_opened"
        )
        assert Referral.objects.get(country="DE").status == ReferralStatus.INVESTIGATION_OPENED
        assert Referral.objects.get(country="DE").grounds == ["suspect_nationality"]

        # 4. The statistics count it.
        analyst.goto(f"{base}/travel/staff/statistics/")
        assert analyst.inner_text("#outcome-investigation_opened") == "1"
        assert analyst.inner_text("#outcome-acknowledged") == "1"
        assert analyst.inner_text("#outcome-charged") == "0"

        # 5. The traveller's status page (the same as for online reports) says action was taken.
        status = public.new_page()
        status.goto(f"{base}/report/status/")
        status.fill("#id_reference", reference)
        status.fill("#id_secret", receipt_code)
        status.click("#status-form button[type=submit]")
        assert status.locator("#report-status").get_attribute("data-status") == "action_taken"
        assert status.inner_text("#report-status") == "Приняты меры"
