"""Demo data for monitoring: an ILLUSTRATIVE legal matrix and a few national targets.

Nothing here is current law. Every legal value carries the source
``ILLUSTRATIVE DEMO DATA — not current law`` and the illustrative flag, and the pages
mark it so. Loading twice changes nothing: existing values and targets are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hotline.monitoring import actions, legal_matrix
from hotline.monitoring.indicators import MANUAL
from hotline.monitoring.legal_matrix import ILLUSTRATIVE_SOURCE
from hotline.monitoring.models import ChangeVia, Comparison, NationalTarget
from hotline.routing import legal
from hotline.routing.models import JurisdictionProfile

Y, N = True, False
_YES_NO_KEYS = (
    legal_matrix.CSAM_LEGISLATION,
    legal_matrix.CSAM_DEFINED,
    legal_matrix.TECHNOLOGY_OFFENCES,
    legal_matrix.KNOWING_POSSESSION,
    legal_matrix.ISP_REPORTING,
    legal.EXTRATERRITORIAL,
    legal.DUAL_CRIMINALITY,
    legal.EXTRADITION,
    legal.BLOCKING,
)
# Invented for the demo: a spread of answers so the matrix and the gap report show something.
ILLUSTRATIVE_MATRIX: dict[str, tuple[tuple[bool | None, ...], str, str]] = {
    "FR": (
        (Y, Y, Y, Y, N, Y, N, Y, Y),
        "DNS blocking of a list kept by the police",
        "Hosting providers must report notified content promptly",
    ),
    "DE": (
        (Y, Y, Y, Y, N, Y, N, N, N),
        "",
        "Large platforms must report certain content to the police",
    ),
    "GB": (
        (Y, Y, Y, Y, N, Y, Y, N, Y),
        "Voluntary URL-list blocking by ISPs",
        "Online services must report detected material",
    ),
    "TH": ((Y, Y, Y, Y, N, Y, Y, N, Y), "Court-ordered blocking", ""),
    "KH": ((Y, N, N, N, N, Y, Y, N, None), "", ""),
    "PH": (
        (Y, Y, Y, Y, Y, Y, N, N, Y),
        "ISPs must install filtering",
        "ISPs must report within days of discovery",
    ),
    "BR": ((Y, Y, Y, Y, N, Y, Y, N, N), "", ""),
    "KZ": ((N, N, Y, None, N, Y, Y, N, None), "", ""),
}


@dataclass(frozen=True)
class DemoTarget:
    title: str
    indicator: str
    parameters: dict[str, object]
    comparison: str
    value: Decimal
    unit: str = ""


DEMO_TARGETS = (
    DemoTarget(
        "90 % of domestically hosted material removed within 3 days by 2027",
        "removal_within_days",
        {"days": 3, "scope": "domestic"},
        Comparison.AT_LEAST,
        Decimal("90"),
    ),
    DemoTarget(
        "Every police referral answered within 60 days",
        "referrals_answered_within_days",
        {"days": 60, "destination": "police"},
        Comparison.AT_LEAST,
        Decimal("100"),
    ),
    DemoTarget(
        "Median time to removal of domestic material under 24 hours",
        "median_hours_to_removal",
        {"scope": "domestic"},
        Comparison.AT_MOST,
        Decimal("24"),
    ),
    DemoTarget(
        "Every tourism referral answered within 60 days",
        "travel_referrals_answered_within_days",
        {"days": 60},
        Comparison.AT_LEAST,
        Decimal("100"),
    ),
    DemoTarget(
        "Every ISP applies the national blocklist",
        MANUAL,
        {},
        Comparison.AT_LEAST,
        Decimal("100"),
        "%",
    ),
)


def _illustrative_matrix(checked_on: date) -> int:
    stored = 0
    existing = {p.country: p.legal_facts for p in JurisdictionProfile.objects.all()}
    for country, (answers, blocking_method, duties) in ILLUSTRATIVE_MATRIX.items():
        facts = existing.get(country, {})
        values: list[tuple[str, bool | str | None]] = list(zip(_YES_NO_KEYS, answers, strict=True))
        values += [
            (legal_matrix.BLOCKING_METHOD, blocking_method or None),
            (legal_matrix.COMPANY_REPORTING_DUTIES, duties or None),
        ]
        for key, value in values:
            if value is None or key in facts:
                continue  # unknown stays unknown; a value already there is never overwritten
            actions.set_legal_fact(
                country,
                key,
                value=value,
                source=ILLUSTRATIVE_SOURCE,
                checked_on=checked_on,
                illustrative=True,
                via=ChangeVia.DEMO,
                acting_user=None,
            )
            stored += 1
    return stored


def _targets(today: date) -> int:
    created = 0
    for spec in DEMO_TARGETS:
        if NationalTarget.objects.filter(title=spec.title).exists():
            continue
        target = actions.create_target(
            actions.TargetInput(
                title=spec.title,
                description="ILLUSTRATIVE DEMO TARGET",
                indicator=spec.indicator,
                parameters=dict(spec.parameters),
                comparison=spec.comparison,
                target_value=spec.value,
                unit=spec.unit,
                start_date=date(today.year - 1, 1, 1),
                deadline=date(2027, 12, 31) if today.year < 2027 else date(today.year + 1, 12, 31),
            ),
            acting_user=None,
        )
        if spec.indicator == MANUAL:
            for months_ago, value in ((9, "55"), (3, "70")):
                actions.record_target_evidence(
                    target,
                    value=Decimal(value),
                    measured_on=today - timedelta(days=30 * months_ago),
                    evidence="ILLUSTRATIVE DEMO DATA: survey of the ISPs in the scheme",
                    acting_user=None,
                )
        created += 1
    return created


@transaction.atomic
def load_monitoring_demo() -> dict[str, int]:
    """Load the illustrative legal matrix and demo targets; returns what was created."""
    today = timezone.localdate()
    return {"legal_facts": _illustrative_matrix(today), "targets": _targets(today)}
