"""Delivery truth for notices to companies: a notice the police cleared is *queued*, and
*sent* only when a real mail server took it; its pages show the outbox's state (failed with
the server's words, then delivered with its reply)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.outbox.models import OutboxMessage
from hotline.tourism import actions, queries
from hotline.tourism.models import Company, CompanyNotice, NoticeStatus
from tests.conftest import World, signed_in
from tests.factories import deliver_outbox
from tests.smtp import ACCEPTANCE, Switchable, due_now, smtp
from tests.tourism.test_views import _referral_for_dave

__all__ = ["smtp"]  # the fixture, imported for this module's tests

pytestmark = pytest.mark.django_db


def _cleared_notice(world: World, smtp: Switchable) -> tuple[CompanyNotice, OutboxMessage]:
    smtp.accept = True  # the referrals themselves go out first
    referral = _referral_for_dave(world)
    smtp.accept = False
    travel = queries.travel_report_of(referral)
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        contact_email="protect@tours.example.test",
    )
    actions.link_company(travel, company, acting_user=world.alice)
    notice = actions.draft_company_notice(
        travel, company, text="Please review your guest records.", acting_user=world.alice
    )
    response = signed_in(world.dave).post(
        reverse("tourism:notice", kwargs={"pk": notice.pk}), {"action": "clear"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    [message] = OutboxMessage.objects.filter(
        related_type="tourism.companynotice", related_id=str(notice.pk)
    )
    return notice, message


def _pages(world: World, notice: CompanyNotice) -> tuple[str, str]:
    notice_page = signed_in(world.alice).get(reverse("tourism:notice", kwargs={"pk": notice.pk}))
    case_page = signed_in(world.alice).get(
        reverse("tourism:case", kwargs={"pk": notice.travel_report_id})
    )
    assert (notice_page.status_code, case_page.status_code) == (200, 200)
    return notice_page.content.decode(), case_page.content.decode()


def test_cleared_notice_is_queued_not_sent_until_delivered(world: World, smtp: Switchable) -> None:
    notice, _message = _cleared_notice(world, smtp)

    assert (notice.status, notice.sent_at, notice.cleared_by) == (
        NoticeStatus.QUEUED,
        None,
        world.dave,
    )
    notice_page, case_page = _pages(world, notice)
    assert 'data-status="queued"' in notice_page
    assert 'data-delivery="queued"' in notice_page
    assert 'data-delivery="queued"' in case_page


def test_notice_shows_the_refusal_then_is_sent_with_the_servers_reply(
    world: World, smtp: Switchable
) -> None:
    notice, message = _cleared_notice(world, smtp)

    deliver_outbox()

    notice.refresh_from_db()
    message.refresh_from_db()
    assert (notice.status, notice.sent_at) == (NoticeStatus.QUEUED, None)
    assert (message.state, message.attempts) == ("failed", 1)
    notice_page, case_page = _pages(world, notice)
    assert 'data-delivery="failed"' in notice_page
    assert "5.7.1 Relaying refused for this test" in notice_page
    assert 'data-delivery="failed"' in case_page

    smtp.accept = True
    due_now(message)
    deliver_outbox()

    notice.refresh_from_db()
    message.refresh_from_db()
    assert message.remote_answer == ACCEPTANCE
    assert (notice.status, notice.sent_at) == (NoticeStatus.SENT, message.delivered_at)
    notice_page, case_page = _pages(world, notice)
    assert 'data-status="sent"' in notice_page
    assert 'data-delivery="delivered"' in notice_page
    assert ACCEPTANCE in notice_page
    sent = AuditEvent.objects.get(action="company_notice.sent", object_id=str(notice.pk))
    assert sent.detail == {"message": str(message.pk), "answer": ACCEPTANCE}
    assert len(smtp.accepted) == 1 + 3  # the three referrals, then the notice once


def test_delivery_of_a_notice_is_recorded_once(world: World, smtp: Switchable) -> None:
    notice, message = _cleared_notice(world, smtp)
    smtp.accept = True
    deliver_outbox()
    message.refresh_from_db()

    again = actions.mark_company_notice_delivered(notice, message=message)

    assert again.status == NoticeStatus.SENT
    assert AuditEvent.objects.filter(action="company_notice.sent").count() == 1
