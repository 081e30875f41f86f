"""Travel and tourism figures on a small synthetic set, computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hotline.cases.models import Channel, Concern
from hotline.monitoring import queries
from hotline.monitoring.periods import Period
from hotline.monitoring.queries import Share
from hotline.routing.models import Destination, Ground, Referral, ReferralStatus
from hotline.tourism.models import Company, CompanyKind, TravelReport, VenueType
from tests.monitoring import dataset
from tests.monitoring.dataset import NOW, at

P = Period.year(dataset.YEAR)


def _travel(received: datetime, country: str) -> TravelReport:
    return TravelReport.objects.create(
        report=dataset.report(received, Channel.PUBLIC_WEB, Concern.TRAVEL),
        country=country,
        city="Synthetic city",
        venue_type=VenueType.HOTEL,
        occurred_on=received.date(),
    )


def _referral(
    travel: TravelReport, kind: str, country: str, sent: datetime, **steps: object
) -> Referral:
    return Referral.objects.create(
        report=travel.report,
        destination=Destination.POLICE,
        grounds=[kind],
        country=country,
        sent_at=sent,
        created_at=sent,
        **steps,
    )


@pytest.fixture
def travel_data(db: None) -> None:
    first = _travel(at(2, 1), "TH")
    _referral(
        first,
        Ground.PLACE_OF_OFFENCE,
        "TH",
        at(2, 2),
        status=ReferralStatus.CHARGED,
        acknowledged_at=at(2, 12),
        investigation_opened_at=at(3, 1),
        charged_at=at(6, 1),
    )
    _referral(
        first,
        Ground.SUSPECT_NATIONALITY,
        "FR",
        at(2, 2),
        status=ReferralStatus.SENT,
        follow_up_flagged_at=at(4, 2),
    )
    second = _travel(at(5, 1), "KH")
    _referral(
        second,
        Ground.PLACE_OF_OFFENCE,
        "KH",
        at(5, 2),
        status=ReferralStatus.NO_ACTION,
        acknowledged_at=at(5, 4),
        concluded_at=at(9, 1),
    )
    earlier = _travel(datetime(2024, 12, 15, tzinfo=UTC), "TH")
    _referral(earlier, Ground.PLACE_OF_OFFENCE, "TH", datetime(2024, 12, 16, tzinfo=UTC))
    late = _travel(at(11, 1), "TH")
    _referral(
        late,
        Ground.REPORTER_RESIDENCE,
        "FR",
        at(11, 2),
        status=ReferralStatus.ACKNOWLEDGED,
        acknowledged_at=at(11, 2) + timedelta(days=64),
    )
    Company.objects.create(name="Synthetic Tours", kind=CompanyKind.TOUR_OPERATOR, country="TH")


def test_travel_cases_received_referred_and_answered(travel_data: None) -> None:
    cases = queries.travel_cases(P)

    assert cases.received == 3
    assert [(c.key, c.count) for c in cases.by_ground] == [
        ("place_of_offence", 2),
        ("suspect_nationality", 1),
        ("reporter_residence", 1),
        ("partner_hotline", 0),
    ]
    assert [(c.key, c.count) for c in cases.by_country] == [("TH", 2), ("KH", 1)]
    # first answers after 10, 2 and 64 days; one referral never answered (and flagged)
    assert (cases.median_days_to_answer, cases.awaiting_follow_up) == (10.0, 1)


def test_enforcement_outcomes_show_non_enforcement(travel_data: None) -> None:
    rows = queries.enforcement_outcomes(P)

    assert [(c.key, c.count) for c in rows] == [
        ("acknowledged", 2),
        ("investigation_opened", 1),
        ("suspect_identified", 0),
        ("charged", 1),
        ("convicted", 0),
        ("acquitted", 0),
        ("no_action", 1),
    ]


def test_travel_referrals_answered_within_60_days(travel_data: None) -> None:
    share = queries.travel_referrals_answered_within(P, timedelta(days=60), now=NOW)

    assert (share, share.percent) == (Share(2, 4), 50.0)


def test_code_members_now(travel_data: None) -> None:
    assert [(c.key, c.count) for c in queries.code_members()] == [
        ("companies", 1),
        ("members", 0),
        ("in_good_standing", 0),
        ("overdue", 0),
    ]


def test_tourism_target_indicator(travel_data: None, django_user_model: object) -> None:
    from decimal import Decimal

    from hotline.monitoring import actions, indicators

    target = actions.create_target(
        actions.TargetInput(
            title="Every tourism referral answered within 60 days",
            indicator="travel_referrals_answered_within_days",
            parameters={"days": 60},
            target_value=Decimal(100),
            start_date=date(2025, 1, 1),
            deadline=date(2027, 12, 31),
        ),
        acting_user=None,
    )

    progress = indicators.progress(target, today=date(2025, 12, 31), now=NOW)

    assert (progress.value, progress.status) == (50.0, indicators.NOT_MET)
