"""National targets: computed indicators, evidence entered by hand, progress to the deadline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.monitoring import actions, indicators
from hotline.monitoring.models import Comparison, NationalTarget, TargetEvidence
from tests.conftest import World, signed_in
from tests.monitoring import dataset

YEAR_END = date(2025, 12, 31)


def _target(
    world: World,
    indicator: str,
    value: str,
    *,
    parameters: dict[str, object] | None = None,
    comparison: str = Comparison.AT_LEAST,
    deadline: date = date(2027, 12, 31),
) -> NationalTarget:
    return actions.create_target(
        actions.TargetInput(
            title=f"{indicator} target",
            indicator=indicator,
            parameters=parameters or {},
            comparison=comparison,
            target_value=Decimal(value),
            start_date=date(2025, 1, 1),
            deadline=deadline,
        ),
        acting_user=world.erin,
    )


def test_removal_target_measures_domestic_share_within_3_days(world: World) -> None:
    dataset.build(world.alice)
    target = _target(
        world, "removal_within_days", "90", parameters={"days": 3, "scope": "domestic"}
    )

    progress = indicators.progress(target, today=YEAR_END, now=dataset.NOW)

    # FR items i1 (10 h), i2 (30 h), i3 (100 h): 2 of 3 within 72 hours.
    assert (progress.value, progress.status) == (66.7, indicators.NOT_MET)
    assert progress.measured == "Computed over 2025-01-01 to 2025-12-31 (2 of 3)"
    assert progress.time_elapsed_percent == round(100 * 364 / 1094, 1)
    assert target.unit == "%"


def test_removal_target_over_all_hosting_countries(world: World) -> None:
    dataset.build(world.alice)
    target = _target(world, "removal_within_days", "50", parameters={"days": 7, "scope": "all"})

    progress = indicators.progress(target, today=YEAR_END, now=dataset.NOW)

    assert (progress.value, progress.status) == (71.4, indicators.MET)


def test_median_target_is_met_when_at_most_the_goal(world: World) -> None:
    dataset.build(world.alice)
    target = _target(world, "median_hours_to_removal", "36", comparison=Comparison.AT_MOST)

    progress = indicators.progress(target, today=YEAR_END, now=dataset.NOW)

    assert (progress.value, progress.status) == (30.0, indicators.MET)


def test_referral_target_counts_unanswered_referrals(world: World) -> None:
    dataset.build(world.alice)
    target = _target(world, "referrals_answered_within_days", "100", parameters={"days": 60})

    progress = indicators.progress(target, today=YEAR_END, now=dataset.NOW)

    assert (progress.value, progress.status) == (66.7, indicators.NOT_MET)


def test_target_past_its_deadline_unmet_is_missed(world: World) -> None:
    dataset.build(world.alice)
    target = _target(
        world, "removal_within_days", "90", parameters={"days": 3}, deadline=date(2025, 12, 31)
    )

    progress = indicators.progress(target, today=date(2026, 6, 1), now=dataset.NOW)

    assert (progress.status, progress.time_elapsed_percent) == (indicators.MISSED, 100.0)
    assert progress.measured.startswith("Computed over 2025-01-01 to 2025-12-31")


def test_target_with_nothing_to_measure_has_no_data(world: World) -> None:
    target = _target(world, "removal_within_days", "90")

    progress = indicators.progress(target, today=YEAR_END, now=dataset.NOW)

    assert (progress.value, progress.status) == (None, indicators.NO_DATA)


def test_manual_target_uses_the_latest_evidence(world: World) -> None:
    target = _target(world, indicators.MANUAL, "100")
    for measured_on, value in ((date(2025, 3, 1), "55"), (date(2025, 9, 1), "70")):
        actions.record_target_evidence(
            target,
            value=Decimal(value),
            measured_on=measured_on,
            evidence="Synthetic survey",
            acting_user=world.charlie,
        )

    progress = indicators.progress(target, today=YEAR_END)

    assert (progress.value, progress.status) == (70.0, indicators.NOT_MET)
    assert progress.series == [("2025-03-01", 55.0), ("2025-09-01", 70.0)]
    assert progress.measured == "Evidence of 2025-09-01: Synthetic survey"


def test_evidence_needs_its_evidence(world: World) -> None:
    target = _target(world, indicators.MANUAL, "100")

    with pytest.raises(ValueError, match=r"^a value entered by hand needs its evidence$"):
        actions.record_target_evidence(
            target, value=Decimal(1), measured_on=YEAR_END, evidence=" ", acting_user=world.charlie
        )

    assert TargetEvidence.objects.count() == 0


def test_target_needs_a_deadline_after_its_start(world: World) -> None:
    with pytest.raises(ValueError, match=r"^the deadline must come after the start$"):
        _target(world, "removal_within_days", "90", deadline=date(2024, 12, 31))

    assert NationalTarget.objects.count() == 0


def test_target_form_creates_a_target(world: World) -> None:
    response = signed_in(world.charlie).post(
        reverse("monitoring:target_create"),
        {
            "title": "Tourism referrals answered",
            "indicator": "referrals_answered_within_days",
            "parameters": '{"days": 60, "destination": "police"}',
            "comparison": "at_least",
            "target_value": "100",
            "start_date": "2026-01-01",
            "deadline": "2027-12-31",
            "window_days": "365",
        },
    )

    target = NationalTarget.objects.get()
    assert response.status_code == 302
    assert (target.parameters, target.unit, target.created_by) == (
        {"days": 60, "destination": "police"},
        "%",
        world.charlie,
    )
    assert AuditEvent.objects.filter(action="target.create").count() == 1


def test_target_form_refuses_unknown_parameters(world: World) -> None:
    response = signed_in(world.charlie).post(
        reverse("monitoring:target_create"),
        {
            "title": "x",
            "indicator": "removal_within_days",
            "parameters": '{"hours": 3}',
            "comparison": "at_least",
            "target_value": "90",
            "start_date": "2026-01-01",
            "deadline": "2026-01-01",
            "window_days": "365",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "parameters": ["Unknown parameters for this indicator: hours"],
        "deadline": ["The deadline must come after the start."],
    }
    assert NationalTarget.objects.count() == 0


def test_target_page_shows_progress_chart_with_target_line(world: World) -> None:
    target = _target(world, indicators.MANUAL, "100")
    actions.record_target_evidence(
        target,
        value=Decimal("40"),
        measured_on=timezone.localdate() - timedelta(days=1),
        evidence="Synthetic count",
        acting_user=world.erin,
    )

    response = signed_in(world.charlie).get(reverse("monitoring:target", kwargs={"pk": target.pk}))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('stroke-dasharray="6 4"') == 1
    assert "Target: 100" in body


def test_evidence_form_records_a_value(world: World) -> None:
    target = _target(world, indicators.MANUAL, "100")

    response = signed_in(world.charlie).post(
        reverse("monitoring:target", kwargs={"pk": target.pk}),
        {"value": "64", "measured_on": "2026-01-15", "evidence": "Synthetic survey", "source": ""},
    )

    assert response.status_code == 302
    assert list(TargetEvidence.objects.values_list("value", "recorded_by")) == [
        (Decimal("64.00"), world.charlie.pk)
    ]
