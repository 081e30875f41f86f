"""Writes of the tourism app: filing, referring, outcomes, follow-up, links, The Code."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.models import Report, ReportStatus
from hotline.outbox.models import OutboxMessage
from hotline.routing import actions as routing_actions
from hotline.routing.models import PoliceChannel, PoliceUnit, Referral, ReferralStatus
from hotline.tourism import actions, queries
from hotline.tourism.actions import CompanyInput
from hotline.tourism.models import (
    CaseLink,
    CodeAnnualReport,
    Company,
    CompanyNotice,
    Criterion,
    NoticeStatus,
)
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.tourism.factories import file, travel_world


def _referred(world: World, *, delivered: bool = True, **changes: Any) -> list[Referral]:
    """Refer a travel case; with ``delivered`` the outbox then delivers the e-mails (Django's
    test mail backend receives them), which is when the referrals count as sent."""
    travel_world(nationality_org=world.police)
    travel = file(**changes).travel
    referrals = actions.send_referrals(travel, acting_user=world.alice)
    if delivered:
        deliver_outbox()
        for referral in referrals:
            referral.refresh_from_db()
    return referrals


def _actions_logged() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__regex=r"^(travel|report\.(refer|close)|referral\.)")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- filing and referring -------------------------------------------------------------------


@pytest.mark.django_db
def test_filing_keeps_only_a_hash_of_the_receipt_secret() -> None:
    filed = file()

    assert filed.report.secret_hash != ""
    assert filed.secret not in filed.report.secret_hash
    assert _actions_logged() == ["travel_report.file"]
    assert AuditEvent.objects.filter(action="report.file").count() == 1


@pytest.mark.django_db
def test_referrals_go_out_by_email_and_set_action_taken(world: World, settings: Any) -> None:
    settings.TOURISM_FOLLOW_UP_DAYS = 30
    referrals = _referred(world, delivered=False)

    assert [(r.primary_ground, r.country, r.status) for r in referrals] == [
        ("place_of_offence", "TH", "queued"),
        ("suspect_nationality", "DE", "queued"),
        ("reporter_residence", "BE", "queued"),
    ]
    assert Report.objects.get().status != ReportStatus.ACTION_TAKEN  # nothing arrived yet

    deliver_outbox()

    for referral in referrals:
        referral.refresh_from_db()
        message = OutboxMessage.objects.get(related_id=str(referral.pk))
        assert (referral.status, referral.sent_at) == ("sent", message.delivered_at)
        assert referral.follow_up_due_at == message.delivered_at + timedelta(days=30)
    assert sorted(
        OutboxMessage.objects.values_list("channel", "related_type", "related_id")
    ) == sorted(("email", "routing.referral", str(r.pk)) for r in referrals)
    assert Report.objects.get().status == ReportStatus.ACTION_TAKEN
    assert _actions_logged() == [
        "travel_report.file",
        *["referral.awaiting_delivery"] * 3,
        "report.refer",
        *["referral.sent"] * 3,
    ]


@pytest.mark.django_db
def test_referring_again_sends_nothing_twice(world: World) -> None:
    referrals = _referred(world)

    again = actions.send_referrals(queries.travel_report_of(referrals[0]), acting_user=world.alice)

    assert again == []
    assert OutboxMessage.objects.count() == 3


@pytest.mark.django_db
def test_analyst_may_refer_to_some_authorities_only(world: World) -> None:
    travel_world()
    travel = file().travel

    sent = actions.send_referrals(travel, keys=["suspect_nationality:DE"], acting_user=world.alice)

    assert [(r.grounds, r.country) for r in sent] == [(["suspect_nationality"], "DE")]


@pytest.mark.django_db
def test_referral_without_an_address_waits_and_status_stays_received(world: World) -> None:
    PoliceUnit.objects.create(name="Portal TH", country="TH", channel=PoliceChannel.PORTAL)
    travel = file(suspect_nationality="", reporter_country="").travel

    [referral] = actions.send_referrals(travel, acting_user=world.alice)

    assert (referral.status, referral.sent_at, OutboxMessage.objects.count()) == (
        ReferralStatus.QUEUED,
        None,
        0,
    )
    assert Report.objects.get().status == ReportStatus.RECEIVED


@pytest.mark.django_db
def test_hand_over_by_a_liaison_marks_it_sent(world: World) -> None:
    PoliceUnit.objects.create(name="Portal TH", country="TH", channel=PoliceChannel.PORTAL)
    travel = file(suspect_nationality="", reporter_country="").travel
    [referral] = actions.send_referrals(travel, acting_user=world.alice)

    handed = routing_actions.mark_handed_over(referral, acting_user=world.alice)

    assert handed.status == ReferralStatus.SENT
    assert Report.objects.get().status == ReportStatus.ACTION_TAKEN
    with pytest.raises(ValueError, match="already sent"):
        routing_actions.mark_handed_over(referral, acting_user=world.alice)


@pytest.mark.django_db
def test_closed_case_is_not_referred(world: World) -> None:
    travel_world()
    travel = file().travel
    actions.close_case(travel, reason="Duplicate of an earlier report.", acting_user=world.alice)

    with pytest.raises(ValueError, match="closed"):
        actions.send_referrals(travel, acting_user=world.alice)


@pytest.mark.django_db
def test_closing_needs_a_reason_and_happens_once(world: World) -> None:
    travel = file().travel

    with pytest.raises(ValueError, match="reason"):
        actions.close_case(travel, reason=" ", acting_user=world.alice)
    actions.close_case(travel, reason="Not actionable.", acting_user=world.alice)
    with pytest.raises(ValueError, match="already closed"):
        actions.close_case(travel, reason="Again.", acting_user=world.alice)
    assert Report.objects.get().status == ReportStatus.CLOSED


# --- outcomes -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_outcome_timestamps_its_step_and_the_steps_it_implies(world: World) -> None:
    referral = _referred(world)[1]

    updated = routing_actions.record_outcome(
        referral,
        status="investigation_opened",
        remote_reference=" DE-2026-17 ",
        acting_user=world.dave,
    )

    assert updated.status == ReferralStatus.INVESTIGATION_OPENED
    assert updated.acknowledged_at == updated.investigation_opened_at == updated.last_answer_at
    assert (updated.suspect_identified_at, updated.charged_at, updated.concluded_at) == (
        None,
        None,
        None,
    )
    assert updated.remote_reference == "DE-2026-17"
    assert updated.last_answer_at is not None
    assert updated.follow_up_due_at == updated.last_answer_at + timedelta(days=60)


@pytest.mark.django_db
def test_conviction_concludes_the_referral_and_ends_follow_up(world: World) -> None:
    referral = _referred(world)[1]
    routing_actions.record_outcome(referral, status="acknowledged", acting_user=world.dave)

    updated = routing_actions.record_outcome(referral, status="convicted", acting_user=world.dave)

    assert updated.status == ReferralStatus.CONVICTED
    assert None not in (
        updated.acknowledged_at,
        updated.investigation_opened_at,
        updated.suspect_identified_at,
        updated.charged_at,
        updated.concluded_at,
    )
    assert updated.acknowledged_at < updated.concluded_at  # type: ignore[operator]
    assert updated.follow_up_due_at is None
    with pytest.raises(ValueError, match="concluded"):
        routing_actions.record_outcome(referral, status="acquitted", acting_user=world.dave)


@pytest.mark.django_db
def test_no_action_needs_a_reason(world: World) -> None:
    referral = _referred(world)[0]

    with pytest.raises(ValueError, match="why"):
        routing_actions.record_outcome(
            referral, status="no_action", reason="  ", acting_user=world.dave
        )
    updated = routing_actions.record_outcome(
        referral, status="no_action", reason="Suspect left the country.", acting_user=world.dave
    )

    assert (updated.status, updated.outcome, updated.charged_at) == (
        ReferralStatus.NO_ACTION,
        "Suspect left the country.",
        None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sent", "queued", "closed", ""])
def test_only_outcomes_can_be_recorded(world: World, status: str) -> None:
    referral = _referred(world)[0]

    with pytest.raises(ValueError, match="is not"):
        routing_actions.record_outcome(referral, status=status, acting_user=world.dave)


# --- follow-up ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_referral_without_an_answer_is_flagged_once_when_due(world: World, settings: Any) -> None:
    settings.TOURISM_FOLLOW_UP_DAYS = 10
    referrals = _referred(world)
    routing_actions.record_outcome(referrals[0], status="acknowledged", acting_user=world.dave)
    routing_actions.record_outcome(
        referrals[2], status="no_action", reason="Not our case.", acting_user=world.dave
    )
    later = timezone.now() + timedelta(days=10, minutes=1)

    early = routing_actions.flag_follow_ups(now=timezone.now() + timedelta(days=9))
    flagged = routing_actions.flag_follow_ups(now=later)
    again = routing_actions.flag_follow_ups(now=later)

    assert (early, flagged, again) == (0, 2, 0)
    assert sorted(
        r.primary_ground for r in Referral.objects.filter(follow_up_flagged_at__isnull=False)
    ) == ["place_of_offence", "suspect_nationality"]


@pytest.mark.django_db
def test_an_answer_clears_the_follow_up_flag(world: World) -> None:
    referral = _referred(world)[1]
    routing_actions.flag_follow_ups(now=timezone.now() + timedelta(days=61))

    updated = routing_actions.record_outcome(
        referral, status="acknowledged", acting_user=world.dave
    )

    assert updated.follow_up_flagged_at is None


@pytest.mark.django_db
def test_follow_up_job_is_registered_with_the_scheduler() -> None:
    from hotline.core.schedule import JOBS
    from hotline.tourism.tasks import flag_follow_ups

    job = JOBS["tourism.follow_ups"]

    assert (job.every, job.task) == (timedelta(hours=6), flag_follow_ups)


@pytest.mark.django_db
def test_follow_up_task_runs_the_action(world: World) -> None:
    from hotline.tourism.tasks import flag_follow_ups

    referral = _referred(world)[0]
    Referral.objects.filter(pk=referral.pk).update(
        follow_up_due_at=timezone.now() - timedelta(seconds=1)
    )

    assert flag_follow_ups.call() == 1


# --- linked cases ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_link_is_stored_once_in_a_fixed_order(world: World) -> None:
    first, second = file().travel, file().travel

    link = actions.link_cases(
        second, first, basis="same_suspect", reason="Same plate.", acting_user=world.alice
    )

    assert (link.first, link.second, link.linked_by) == (first, second, world.alice)
    with pytest.raises(ValueError, match="already linked"):
        actions.link_cases(first, second, basis="same_venue", reason="x", acting_user=world.alice)


@pytest.mark.django_db
def test_a_link_needs_two_reports_and_a_reason(world: World) -> None:
    first, second = file().travel, file().travel

    with pytest.raises(ValueError, match="itself"):
        actions.link_cases(first, first, basis="same_venue", reason="x", acting_user=world.alice)
    with pytest.raises(ValueError, match="why"):
        actions.link_cases(first, second, basis="same_venue", reason=" ", acting_user=world.alice)


@pytest.mark.django_db
def test_unlink_removes_the_link_and_audits_it(world: World) -> None:
    first, second = file().travel, file().travel
    link = actions.link_cases(
        first, second, basis="same_venue", reason="Same bar.", acting_user=world.alice
    )

    actions.unlink_cases(link, acting_user=world.charlie)

    assert CaseLink.objects.count() == 0
    assert _actions_logged()[-2:] == ["travel_report.link", "travel_report.unlink"]


# --- companies, The Code, notices -----------------------------------------------------------


def _company(world: World, **changes: Any) -> Company:
    data = CompanyInput(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        contact_email="protect@tours.example.test",
        code_member=True,
        member_since=date(2020, 5, 1),
    )
    from dataclasses import replace

    return actions.save_company(replace(data, **changes), acting_user=world.alice)


@pytest.mark.django_db
def test_company_update_writes_only_what_changed(world: World) -> None:
    company = _company(world)

    actions.save_company(
        CompanyInput(name="Example Tours", kind="tour_operator", country="TH"),
        company=company,
        acting_user=world.alice,
    )

    company.refresh_from_db()
    event = AuditEvent.objects.filter(action="company.update").get()
    assert (company.code_member, company.member_since, company.contact_email) == (False, None, "")
    assert event.detail == {"contact_email": "", "code_member": False, "member_since": None}


@pytest.mark.django_db
def test_annual_report_records_six_criteria_and_can_be_corrected(world: World) -> None:
    company = _company(world)
    criteria = {c.value: ("met", f"evidence for {c.value}") for c in Criterion}

    actions.record_annual_report(
        company, year=2025, received_on=date(2026, 3, 1), criteria=criteria, acting_user=world.alice
    )
    actions.record_annual_report(
        company,
        year=2025,
        received_on=date(2026, 3, 2),
        criteria={**criteria, "training": ("in_progress", "half the staff trained")},
        acting_user=world.alice,
    )

    annual = CodeAnnualReport.objects.get()
    assert annual.received_on == date(2026, 3, 2)
    assert sorted(annual.criteria.values_list("criterion", "status")) == sorted(
        [(c.value, "in_progress" if c.value == "training" else "met") for c in Criterion]
    )


@pytest.mark.django_db
def test_only_members_report_on_the_criteria(world: World) -> None:
    company = _company(world, code_member=False)

    with pytest.raises(ValueError, match="members"):
        actions.record_annual_report(
            company, year=2025, received_on=date(2026, 1, 1), criteria={}, acting_user=world.alice
        )


@pytest.mark.django_db
def test_notice_is_held_until_a_liaison_clears_it(world: World) -> None:
    travel = queries.travel_report_of(_referred(world)[0])
    company = _company(world)
    actions.link_company(travel, company, note="Named as organiser.", acting_user=world.alice)
    OutboxMessage.objects.all().delete()

    notice = actions.draft_company_notice(
        travel, company, text="Please review your guest records.", acting_user=world.alice
    )
    held_messages = OutboxMessage.objects.count()
    cleared = actions.clear_company_notice(notice, acting_user=world.dave)

    assert (notice.status, held_messages) == (NoticeStatus.HELD, 0)
    assert (cleared.status, cleared.cleared_by, cleared.sent_at) == (
        NoticeStatus.QUEUED,
        world.dave,
        None,
    )
    assert list(OutboxMessage.objects.values_list("destination", "related_type")) == [
        ("protect@tours.example.test", "tourism.companynotice")
    ]
    with pytest.raises(ValueError, match="not held"):
        actions.clear_company_notice(notice, acting_user=world.dave)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("linked", "email", "text", "message"),
    [
        (False, "protect@tours.example.test", "Text.", "link the company"),
        (True, "", "Text.", "no child-protection contact"),
        (True, "protect@tours.example.test", "  ", "write the notice"),
    ],
)
def test_notice_needs_a_linked_company_an_address_and_a_text(
    world: World, linked: bool, email: str, text: str, message: str
) -> None:
    travel = file().travel
    company = _company(world, contact_email=email)
    if linked:
        actions.link_company(travel, company, acting_user=world.alice)

    with pytest.raises(ValueError, match=message):
        actions.draft_company_notice(travel, company, text=text, acting_user=world.alice)
    assert CompanyNotice.objects.count() == 0


@pytest.mark.django_db
def test_a_company_is_linked_to_a_report_once(world: World) -> None:
    travel = file().travel
    company = _company(world)
    actions.link_company(travel, company, acting_user=world.alice)

    with pytest.raises(ValueError, match="already linked"):
        actions.link_company(travel, company, acting_user=world.alice)


@pytest.mark.django_db
def test_cancelled_notice_never_goes_out(world: World) -> None:
    travel = file().travel
    company = _company(world)
    actions.link_company(travel, company, acting_user=world.alice)
    notice = actions.draft_company_notice(travel, company, text="T.", acting_user=world.alice)

    actions.cancel_company_notice(notice, acting_user=world.alice)

    with pytest.raises(ValueError, match="not held"):
        actions.clear_company_notice(notice, acting_user=world.dave)
    assert OutboxMessage.objects.count() == 0
