"""An auditor signs in with two-factor authentication in Debian's Chromium, filters the audit
log to one report by its reference, and exports that range as CSV; the file holds exactly
that report's events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Organisation, OrganisationKind, Role
from hotline.audit.models import AuditEvent
from hotline.cases.actions import ReportInput, file_report
from hotline.cases.models import Channel, Concern, Report
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long synthetic passphrase"


def _auditor() -> str:
    org = Organisation.objects.filter(is_own=True).first() or account_actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    user = account_actions.create_user(
        username="frank",
        password=PASSWORD,
        organisation=org,
        roles=[Role.AUDITOR],
        acting_user=None,
    )
    device = account_actions.start_totp_enrolment(user)
    totp = pyotp.TOTP(device.secret)
    assert account_actions.confirm_totp(user, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return device.secret


def _report(url: str) -> str:
    filed = file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=[url]), actor=None
    )
    return filed.report.reference


def test_auditor_filters_to_one_report_and_exports_the_csv(
    live_server: Any, tmp_path: Path
) -> None:
    secret = _auditor()
    reference = _report("http://audited.example.test/one")
    _report("http://audited.example.test/other")

    with browser() as chromium:
        context = chromium.new_context(java_script_enabled=False, accept_downloads=True)  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(f"{live_server.url}/staff/login/")
        page.fill("#id_username", "frank")
        page.fill("#id_password", PASSWORD)
        page.click("#main-form button[type=submit]")
        page.fill("#id_code", pyotp.TOTP(secret).now())
        page.click("#main-form button[type=submit]")
        page.click("nav.staff-nav details[data-menu=admin] > summary")  # menus are <details>
        page.click("nav.staff-nav >> text=Audit log")
        page.fill("#id_object", reference)
        page.click("#audit-filter button[type=submit]")
        assert f"object={reference}" in page.url
        shown = page.locator("table.audit-events tbody tr").all_inner_texts()
        with page.expect_download() as download_info:
            page.click("#export-csv")
        target = tmp_path / "audit.csv"
        download_info.value.save_as(target)
        context.close()

    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    wanted = Report.objects.get(reference=reference)
    item_ids = {str(pk) for pk in wanted.report_items.values_list("item_id", flat=True)}
    expected = [
        e.seq
        for e in AuditEvent.objects.order_by("seq")
        if (e.object_type, e.object_id) == ("cases.report", str(wanted.pk))
        or (e.object_type == "cases.item" and e.object_id in item_ids)
    ]
    assert [int(r["seq"]) for r in rows] == expected
    assert rows[0]["action"] == "report.file"
    assert len(shown) == len(expected)
    exported = AuditEvent.objects.filter(action="audit.export").get()
    assert exported.actor == "user:frank"
    assert exported.detail["object"] == reference
