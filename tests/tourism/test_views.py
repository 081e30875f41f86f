"""Staff pages: the case with its referrals and legal facts, outcomes, notices, the registry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.accounts import actions as account_actions
from hotline.accounts.models import Role, User
from hotline.routing import actions as routing_actions
from hotline.routing.models import Referral, ReferralStatus
from hotline.tourism import actions, queries
from hotline.tourism.models import (
    CaseLink,
    CodeAnnualReport,
    Company,
    CompanyLink,
    CompanyNotice,
    Criterion,
    NoticeStatus,
    TravelReport,
)
from tests.conftest import PASSWORD, World, signed_in
from tests.factories import deliver_outbox
from tests.tourism.factories import file as file_report
from tests.tourism.factories import police_org, travel_world


def _case_url(travel: TravelReport) -> str:
    return reverse("tourism:case", kwargs={"pk": travel.pk})


def _monitor(world: World) -> User:
    return account_actions.create_user(
        username="monica",
        password=PASSWORD,
        organisation=world.hotline_a,
        roles=[Role.CODE_MONITOR],
        acting_user=None,
    )


# --- the case -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_shows_three_planned_referrals_with_their_legal_facts(world: World) -> None:
    travel_world()
    travel = file_report().travel

    response = signed_in(world.alice).get(_case_url(travel))

    rows = [
        (plan.kind, [(f["key"], f["value"] if f["known"] else "unknown") for f in facts])
        for plan, facts, _name, _checked in response.context["pending"]
    ]
    assert rows == [
        (
            "place_of_offence",
            [
                ("extraterritorial_jurisdiction", False),
                ("dual_criminality_required", True),
                ("extradition_possible", False),
            ],
        ),
        (
            "suspect_nationality",
            [
                ("extraterritorial_jurisdiction", True),
                ("dual_criminality_required", False),
                ("extradition_possible", "unknown"),
            ],
        ),
        (
            "reporter_residence",
            [
                ("extraterritorial_jurisdiction", "unknown"),
                ("dual_criminality_required", "unknown"),
                ("extradition_possible", "unknown"),
            ],
        ),
    ]
    assert response.content.decode().count("unknown, no source") == 4


@pytest.mark.django_db
def test_refer_form_sends_the_ticked_referrals(world: World) -> None:
    travel_world()
    travel = file_report().travel

    response = signed_in(world.alice).post(
        _case_url(travel),
        {"action": "refer", "refer-referrals": ["place_of_offence:TH", "reporter_residence:BE"]},
    )

    assert response.status_code == 302
    assert [r.primary_ground for r in Referral.objects.all()] == [
        "place_of_offence",
        "reporter_residence",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one authority."),
        (
            {"refer-referrals": ["partner_hotline:XX"]},
            "Select a valid choice. partner_hotline:XX is not one of the available choices.",
        ),
    ],
)
def test_refer_form_refuses_bad_choices(world: World, data: dict[str, Any], message: str) -> None:
    travel_world()
    travel = file_report().travel

    response = signed_in(world.alice).post(_case_url(travel), {"action": "refer", **data})

    assert response.status_code == 200
    assert response.context["forms"]["refer"].errors["referrals"] == [message]
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_link_form_links_by_reference_and_refuses_unknown_ones(world: World) -> None:
    travel, other = file_report().travel, file_report().travel
    client = signed_in(world.alice)

    bad = client.post(
        _case_url(travel),
        {
            "action": "link",
            "link-other": "HL-0000-0000",
            "link-basis": "same_suspect",
            "link-reason": "x",
        },
    )
    good = client.post(
        _case_url(travel),
        {
            "action": "link",
            "link-other": other.reference.lower(),
            "link-basis": "same_suspect",
            "link-reason": "Same plate in both reports.",
        },
    )

    assert bad.context["forms"]["link"].errors["other"] == ["No travel report has this reference."]
    assert good.status_code == 302
    assert list(CaseLink.objects.values_list("basis", "reason")) == [
        ("same_suspect", "Same plate in both reports.")
    ]


@pytest.mark.django_db
def test_company_link_notice_and_close_through_the_case_page(world: World) -> None:
    travel = file_report().travel
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        contact_email="p@tours.example.test",
    )
    client = signed_in(world.alice)

    client.post(_case_url(travel), {"action": "company", "company-company": company.pk})
    client.post(
        _case_url(travel),
        {"action": "notice", "notice-company": company.pk, "notice-text": "Please check."},
    )
    no_reason = client.post(_case_url(travel), {"action": "close", "close-reason": ""})
    closed = client.post(_case_url(travel), {"action": "close", "close-reason": "Referred."})

    assert CompanyLink.objects.get().company == company
    assert CompanyNotice.objects.get().status == NoticeStatus.HELD
    assert no_reason.context["forms"]["close"].errors["reason"] == ["This field is required."]
    assert closed.status_code == 302
    assert TravelReport.objects.get().close_reason == "Referred."


@pytest.mark.django_db
def test_notice_to_a_company_not_linked_is_refused(world: World) -> None:
    travel = file_report().travel
    company = Company.objects.create(name="Example Tours", kind="tour_operator", country="TH")

    response = signed_in(world.alice).post(
        _case_url(travel),
        {"action": "notice", "notice-company": company.pk, "notice-text": "Please check."},
    )

    assert response.context["forms"]["notice"].errors["company"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


# --- referrals and outcomes -----------------------------------------------------------------


def _referral_for_dave(world: World, **changes: Any) -> Referral:
    travel_world(nationality_org=world.police)
    actions.send_referrals(file_report(**changes).travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered
    return Referral.objects.get(country="DE", grounds=["suspect_nationality"])


@pytest.mark.django_db
def test_liaison_records_an_outcome(world: World) -> None:
    referral = _referral_for_dave(world)

    response = signed_in(world.dave).post(
        reverse("tourism:referral", kwargs={"pk": referral.pk}),
        {"action": "outcome", "outcome-status": "investigation_opened", "outcome-reason": ""},
    )

    referral.refresh_from_db()
    assert response.status_code == 302
    assert referral.status == ReferralStatus.INVESTIGATION_OPENED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"outcome-status": "no_action", "outcome-reason": " "},
            "reason",
            "Say why no action is taken.",
        ),
        (
            {"outcome-status": "sent"},
            "status",
            "Select a valid choice. sent is not one of the available choices.",
        ),
        ({"outcome-status": ""}, "status", "This field is required."),
        (
            {"outcome-status": "charged", "outcome-remote_reference": "x" * 101},
            "remote_reference",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
    ],
)
def test_outcome_form_refuses_bad_input(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    referral = _referral_for_dave(world)

    response = signed_in(world.dave).post(
        reverse("tourism:referral", kwargs={"pk": referral.pk}), {"action": "outcome", **data}
    )

    referral.refresh_from_db()
    assert response.context["form"].errors[field] == [message]
    assert referral.status == ReferralStatus.SENT


@pytest.mark.django_db
def test_liaison_cannot_open_another_units_referral(world: World) -> None:
    _referral_for_dave(world)
    other = Referral.objects.get(country="TH", grounds=["place_of_offence"])

    response = signed_in(world.dave).get(reverse("tourism:referral", kwargs={"pk": other.pk}))

    assert response.status_code == 404


@pytest.mark.django_db
def test_liaison_page_withholds_the_reporter_unless_they_consented(world: World) -> None:
    referral = _referral_for_dave(world)
    html = (
        signed_in(world.dave)
        .get(reverse("tourism:referral", kwargs={"pk": referral.pk}))
        .content.decode()
    )

    assert "witness@reporter.example.test" not in html
    assert "Identity withheld." in html


@pytest.mark.django_db
def test_liaison_page_names_every_forwarded_field_in_words(world: World) -> None:
    referral = _referral_for_dave(world, child_age="6_11", child_gender="girl")
    html = (
        signed_in(world.dave)
        .get(reverse("tourism:referral", kwargs={"pk": referral.pk}))
        .content.decode()
    )

    assert "Name or alias: Jon Example<br>Apparent nationality: Germany<br>" in html
    assert "Apparent age: 6 to 11<br>Gender: Girl or girls<br>" in html
    assert "Synthetic Bay, Thailand (Hotel, guesthouse or hostel)" in html
    assert "name_or_alias" not in html
    assert "6_11" not in html


# --- notices --------------------------------------------------------------------------------


def _held_notice(world: World) -> CompanyNotice:
    travel = queries.travel_report_of(_referral_for_dave(world))
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        contact_email="p@tours.example.test",
    )
    actions.link_company(travel, company, acting_user=world.alice)
    return actions.draft_company_notice(
        travel, company, text="Please check.", acting_user=world.alice
    )


@pytest.mark.django_db
def test_only_a_liaison_of_a_referred_unit_clears_a_notice(world: World) -> None:
    notice = _held_notice(world)
    url = reverse("tourism:notice", kwargs={"pk": notice.pk})
    outsider = account_actions.create_user(
        username="olga",
        password=PASSWORD,
        organisation=police_org("Police KH", "KH"),
        roles=[Role.LAW_ENFORCEMENT_LIAISON],
        acting_user=None,
    )

    by_analyst = signed_in(world.alice).post(url, {"action": "clear"})
    by_outsider = signed_in(outsider).post(url, {"action": "clear"})
    by_dave = signed_in(world.dave).post(url, {"action": "clear"})

    notice.refresh_from_db()
    assert (by_analyst.status_code, by_outsider.status_code, by_dave.status_code) == (403, 404, 302)
    assert (notice.status, notice.cleared_by) == (NoticeStatus.QUEUED, world.dave)


@pytest.mark.django_db
def test_liaison_cannot_cancel_and_analyst_can(world: World) -> None:
    notice = _held_notice(world)
    url = reverse("tourism:notice", kwargs={"pk": notice.pk})

    by_dave = signed_in(world.dave).post(url, {"action": "cancel"})
    by_alice = signed_in(world.alice).post(url, {"action": "cancel"})

    notice.refresh_from_db()
    assert (by_dave.status_code, by_alice.status_code, notice.status) == (
        403,
        302,
        NoticeStatus.CANCELLED,
    )


# --- statistics -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_statistics_page_counts_recorded_outcomes(world: World) -> None:
    referral = _referral_for_dave(world)
    routing_actions.record_outcome(referral, status="investigation_opened", acting_user=world.dave)

    html = signed_in(world.alice).get(reverse("tourism:statistics")).content.decode()

    assert '<td id="outcome-investigation_opened">1</td>' in html
    assert '<td id="outcome-charged">0</td>' in html
    assert '<td id="sent-suspect_nationality">1</td>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "shown"), [("2021", 2021), ("abc", None), ("1900", 2000)])
def test_statistics_year_is_read_safely(world: World, asked: str, shown: int | None) -> None:
    response = signed_in(world.alice).get(reverse("tourism:statistics"), {"year": asked})

    assert response.context["year"] == (shown or timezone.localdate().year)


# --- the registry ---------------------------------------------------------------------------

COMPANY = {
    "name": "Example Tours",
    "kind": "tour_operator",
    "country": "TH",
    "website": "tours.example.test",
    "contact_email": "protect@tours.example.test",
    "code_member": "on",
    "member_since": "2020-05-01",
}


@pytest.mark.django_db
def test_code_monitor_adds_a_company(world: World) -> None:
    response = signed_in(_monitor(world)).post(reverse("tourism:company_new"), COMPANY)

    company = Company.objects.get()
    assert response.status_code == 302
    assert (company.website, company.code_member, company.member_since) == (
        "https://tours.example.test",
        True,
        date(2020, 5, 1),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        (
            {"kind": "spaceline"},
            "kind",
            "Select a valid choice. spaceline is not one of the available choices.",
        ),
        (
            {"country": "XX"},
            "country",
            "Select a valid choice. XX is not one of the available choices.",
        ),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"contact_email": "nobody"}, "contact_email", "Enter a valid email address."),
        ({"member_since": ""}, "member_since", "Give the date the company joined The Code."),
        ({"member_since": "2020-13-01"}, "member_since", "Enter a valid date."),
    ],
)
def test_company_form_refuses_bad_input(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    response = signed_in(_monitor(world)).post(
        reverse("tourism:company_new"), {**COMPANY, **change}
    )

    assert response.context["form"].errors[field] == [message]
    assert Company.objects.count() == 0


@pytest.mark.django_db
def test_the_same_company_is_not_registered_twice(world: World) -> None:
    monitor = signed_in(_monitor(world))
    monitor.post(reverse("tourism:company_new"), COMPANY)

    response = monitor.post(reverse("tourism:company_new"), COMPANY)

    assert response.context["form"].non_field_errors() == [
        "Company with this Name and Country already exists."
    ]


@pytest.mark.django_db
def test_code_monitor_edits_and_analyst_only_reads(world: World) -> None:
    company = Company.objects.create(name="Example Tours", kind="tour_operator", country="TH")
    url = reverse("tourism:company", kwargs={"pk": company.pk})

    by_alice = signed_in(world.alice).post(url, {**COMPANY, "name": "Changed"})
    by_monitor = signed_in(_monitor(world)).post(url, {**COMPANY, "name": "Example Tours Co"})

    company.refresh_from_db()
    assert (by_alice.status_code, by_monitor.status_code, company.name) == (
        403,
        302,
        "Example Tours Co",
    )


@pytest.mark.django_db
def test_code_monitor_records_an_annual_report(world: World) -> None:
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        code_member=True,
        member_since=date(2020, 5, 1),
    )
    data = {"year": "2025", "received_on": "2026-03-01"}
    for c in Criterion:
        data[f"{c.value}_status"] = "met"
        data[f"{c.value}_evidence"] = f"Evidence for {c.value}."

    response = signed_in(_monitor(world)).post(
        reverse("tourism:annual_report", kwargs={"pk": company.pk}), data
    )

    annual = CodeAnnualReport.objects.get()
    assert response.status_code == 302
    assert (annual.year, annual.criteria.filter(status="met").count()) == (2025, 6)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"year": "1999"}, "year", "Ensure this value is greater than or equal to 2000."),
        ({"year": "NEXT"}, "year", "Ensure this value is less than or equal to THIS."),
        ({"received_on": "yesterday"}, "received_on", "Enter a valid date."),
        (
            {"policy_status": "perfect"},
            "policy_status",
            "Select a valid choice. perfect is not one of the available choices.",
        ),
        ({"training_status": ""}, "training_status", "This field is required."),
    ],
)
def test_annual_report_form_refuses_bad_input(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    this_year = timezone.localdate().year
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        code_member=True,
        member_since=date(2020, 1, 1),
    )
    data = {"year": "2025", "received_on": "2026-03-01"}
    data.update({f"{c.value}_status": "met" for c in Criterion})
    data.update(change)
    if data["year"] == "NEXT":
        data["year"] = str(this_year + 1)
    message = message.replace("THIS", str(this_year))

    response = signed_in(_monitor(world)).post(
        reverse("tourism:annual_report", kwargs={"pk": company.pk}), data
    )

    assert response.context["form"].errors[field] == [message]
    assert CodeAnnualReport.objects.count() == 0


@pytest.mark.django_db
def test_public_members_page_lists_members_in_good_standing_only() -> None:
    Company.objects.create(
        name="Good Example Tours",
        kind="tour_operator",
        country="TH",
        code_member=True,
        member_since=timezone.localdate(),
    )
    Company.objects.create(name="Not A Member Hotel", kind="hotel", country="TH")

    response = Client().get(reverse("tourism:code_members"))

    assert [c.name for c, _ in response.context["members"]] == ["Good Example Tours"]
