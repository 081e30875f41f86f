"""Reads: who sees what, link suggestions, The Code's standing, and the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.routing import actions as routing_actions
from hotline.routing.models import Referral
from hotline.tourism import actions, queries
from hotline.tourism.models import Company, Criterion
from hotline.tourism.queries import Period
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.tourism.factories import file, travel_world

# --- visibility -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_liaison_sees_only_referrals_to_their_own_units(world: World) -> None:
    travel_world(nationality_org=world.police)
    actions.send_referrals(file().travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered

    seen = {
        name: sorted(
            r.primary_ground for r in queries.visible_travel_referrals(getattr(world, name))
        )
        for name in ("alice", "bob", "charlie", "dave", "erin", "frank")
    }

    everything = ["place_of_offence", "reporter_residence", "suspect_nationality"]
    assert seen == {
        "alice": everything,
        "bob": [],
        "charlie": everything,
        "dave": ["suspect_nationality"],
        "erin": [],
        "frank": [],
    }


@pytest.mark.django_db
def test_only_our_case_workers_see_travel_reports(world: World) -> None:
    file()

    assert [
        queries.visible_travel_reports(getattr(world, name)).count()
        for name in ("alice", "bob", "charlie", "dave", "erin")
    ] == [1, 0, 1, 0, 0]


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_suggestions_find_the_same_plate_name_or_venue_and_never_link(world: World) -> None:
    travel = file(suspect_name="Jon Example", suspect_plate="EX-AMPLE 42").travel
    same_plate = file(suspect_name="", suspect_plate="ex ample42").travel
    similar_name = file(suspect_name="jon examples", suspect_plate="").travel
    same_venue = file(
        suspect_name="Someone Else", suspect_plate="", venue_name="hotel  example"
    ).travel
    file(suspect_name="Someone Else", suspect_plate="", venue_name="Other Inn")

    suggestions = {s.travel_report.pk: s.bases for s in queries.link_suggestions(travel)}

    assert suggestions == {
        same_plate.pk: ["same_suspect", "same_venue"],
        similar_name.pk: ["same_suspect", "same_venue"],
        same_venue.pk: ["same_venue"],
    }
    from hotline.tourism.models import CaseLink

    assert CaseLink.objects.count() == 0


@pytest.mark.django_db
def test_linked_reports_are_no_longer_suggested(world: World) -> None:
    travel = file().travel
    other = file().travel
    actions.link_cases(
        travel, other, basis="same_suspect", reason="Plate.", acting_user=world.alice
    )

    assert queries.link_suggestions(travel) == []
    assert [o.pk for _, o in queries.linked_cases(travel)] == [other.pk]


@pytest.mark.django_db
def test_company_suggestions_match_the_named_company() -> None:
    travel = file(company_involved="example tours ltd").travel
    tours = Company.objects.create(name="Example Tours", kind="tour_operator", country="TH")
    Company.objects.create(name="Other Hotel", kind="hotel", country="TH")

    assert queries.company_suggestions(travel) == [tours]


# --- The Code -------------------------------------------------------------------------------


def _member(since: date, **kwargs: Any) -> Company:
    return Company.objects.create(
        name=kwargs.pop("name", "Example Tours"),
        kind="tour_operator",
        country="TH",
        code_member=True,
        member_since=since,
        **kwargs,
    )


def _annual(world: World, company: Company, year: int, status: str = "met") -> None:
    actions.record_annual_report(
        company,
        year=year,
        received_on=date(year + 1, 3, 1),
        criteria={c.value: (status, "") for c in Criterion},
        acting_user=world.alice,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 6, 30), 2024),  # last year's report is due by the end of June
        (date(2026, 7, 1), 2025),
        (date(2026, 1, 1), 2024),
    ],
)
def test_report_due_year_follows_the_due_month(today: date, due: int, settings: Any) -> None:
    settings.TOURISM_CODE_REPORT_DUE_MONTH = 6

    assert queries.due_report_year(_member(date(2019, 1, 1)), today) == due


@pytest.mark.django_db
def test_new_members_owe_no_report_for_their_first_year() -> None:
    assert queries.due_report_year(_member(date(2025, 2, 1)), date(2026, 7, 1)) is None


@pytest.mark.django_db
def test_missing_report_after_the_due_month_is_overdue(world: World) -> None:
    company = _member(date(2019, 1, 1))
    _annual(world, company, 2024)

    assert queries.is_overdue(company, date(2026, 6, 30)) is False
    assert queries.is_overdue(company, date(2026, 7, 1)) is True


@pytest.mark.django_db
def test_members_in_good_standing_exclude_overdue_and_unmet_criteria(world: World) -> None:
    good = _member(date(2019, 1, 1), name="Good Tours")
    _annual(world, good, 2025)
    overdue = _member(date(2019, 1, 1), name="Late Tours")
    _annual(world, overdue, 2024)
    unmet = _member(date(2019, 1, 1), name="Unmet Tours")
    _annual(world, unmet, 2025, status="not_met")
    newcomer = _member(date(2026, 1, 10), name="New Tours")
    Company.objects.create(name="Not A Member", kind="hotel", country="TH")

    today = date(2026, 8, 1)

    assert queries.members_in_good_standing(today) == [good, newcomer]
    assert queries.overdue_members(today) == [overdue]
    assert queries.code_counts(today) == {
        "companies": 5,
        "members": 4,
        "in_good_standing": 2,
        "overdue": 1,
    }


# --- statistics -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_outcome_counts_count_each_step_reached_in_the_period(world: World) -> None:
    travel_world()
    first, second, third = actions.send_referrals(file().travel, acting_user=world.alice)
    routing_actions.record_outcome(first, status="investigation_opened", acting_user=world.dave)
    routing_actions.record_outcome(second, status="convicted", acting_user=world.dave)
    routing_actions.record_outcome(
        third, status="no_action", reason="No link.", acting_user=world.dave
    )
    now = timezone.now()

    this_period = queries.outcome_counts(Period(now - timedelta(hours=1), now + timedelta(hours=1)))
    earlier = queries.outcome_counts(Period(now - timedelta(days=2), now - timedelta(days=1)))

    assert this_period == {
        "acknowledged": 3,
        "investigation_opened": 2,
        "suspect_identified": 1,
        "charged": 1,
        "convicted": 1,
        "acquitted": 0,
        "no_action": 1,
    }
    assert set(earlier.values()) == {0}


@pytest.mark.django_db
def test_referrals_sent_and_reports_received_per_period(world: World) -> None:
    travel_world()
    actions.send_referrals(file().travel, acting_user=world.alice)
    actions.send_referrals(file(reporter_country="").travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered
    year = Period.year(timezone.now().year)

    assert queries.referrals_sent(year) == {
        "place_of_offence": 2,
        "suspect_nationality": 2,
        "reporter_residence": 1,
        "partner_hotline": 0,
    }
    assert queries.travel_reports_received(year) == 2
    assert queries.travel_reports_received(Period.year(2000)) == 0


@pytest.mark.django_db
def test_referrals_awaiting_follow_up_counts_flagged_ones(world: World) -> None:
    travel_world()
    actions.send_referrals(file().travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered
    routing_actions.flag_follow_ups(now=timezone.now() + timedelta(days=61))

    assert queries.referrals_awaiting_follow_up() == Referral.objects.count() == 3


def test_period_year_is_the_calendar_year_in_utc() -> None:
    assert Period.year(2026) == Period(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )


@pytest.mark.django_db
def test_emergency_number_is_the_profiles_then_the_datasets_else_unknown(settings: Any) -> None:
    from hotline.routing.models import JurisdictionProfile

    settings.EMERGENCY_NUMBER = "112"
    JurisdictionProfile.objects.create(country="TH", emergency_number="1155")
    JurisdictionProfile.objects.create(country="KH")

    assert [queries.emergency_number_for(c) for c in ("TH", "th", "KH", "NZ", "LA")] == [
        "1155",
        "1155",
        "117",
        "111",
        "",
    ]
