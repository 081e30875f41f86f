"""The tourism demo data loads once and shows every feature with synthetic data."""

from __future__ import annotations

import pytest

from hotline.site.demo.tourism import load_tourism_demo
from hotline.tourism import queries
from hotline.tourism.models import Company, CriterionAssessment, TravelReport


@pytest.mark.django_db
def test_demo_loads_once_with_a_member_in_good_standing_and_one_overdue() -> None:
    load_tourism_demo()
    counts = (
        Company.objects.count(),
        CriterionAssessment.objects.count(),
        TravelReport.objects.count(),
    )
    load_tourism_demo()

    assert counts == (3, 12, 2)
    assert (Company.objects.count(), TravelReport.objects.count()) == (3, 2)
    assert [c.name for c in queries.members_in_good_standing()] == ["Demo Tours Example"]
    assert [c.name for c in queries.overdue_members()] == ["Demo Late Travel Agency"]


@pytest.mark.django_db
def test_demo_reports_suggest_each_other_and_plan_referrals() -> None:
    from hotline.tourism.planning import plan_referrals

    load_tourism_demo()
    first, second = TravelReport.objects.order_by("pk")

    assert [s.travel_report for s in queries.link_suggestions(first)] == [second]
    assert [p.kind for p in plan_referrals(first)] == [
        "place_of_offence",
        "suspect_nationality",
        "reporter_residence",
    ]
