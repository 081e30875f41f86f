"""Access-matrix rows for the monitoring app's URLs (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from hotline.monitoring import actions
from tests.access import Row, everyone, staff
from tests.conftest import World

# Statistics, targets and reports: supervisors, administrators and auditors.
READERS = ("charlie", "erin", "frank")
# Targets' evidence is kept by supervisors and administrators; auditors only read it.
EDITORS = ("charlie", "erin")
# The legal matrix: everyone of our hotline whose work routes cases, and auditors.
LEGAL_READERS = ("alice", "charlie", "erin", "frank")


def _target(world: World) -> dict[str, Any]:
    target = actions.create_target(
        actions.TargetInput(
            title="Matrix target",
            indicator="removal_within_days",
            target_value=Decimal("90"),
            start_date=date(2025, 1, 1),
            deadline=date(2027, 12, 31),
            parameters={"days": 3},
        ),
        acting_user=world.erin,
    )
    return {"pk": target.pk}


def _this_year(world: World) -> dict[str, Any]:
    return {"year": timezone.localdate().year}


ROWS: dict[str, Row] = {
    "monitoring:dashboard": Row(staff(*READERS)),
    "monitoring:export": Row(staff(*READERS), kwargs={"key": "reports_by_channel"}),
    "monitoring:transparency": Row(everyone()),
    "monitoring:legal_matrix": Row(staff(*LEGAL_READERS)),
    "monitoring:legal_export": Row(staff(*LEGAL_READERS)),
    "monitoring:legal_import": Row(staff("erin")),
    "monitoring:gaps": Row(staff(*LEGAL_READERS)),
    "monitoring:region_gaps": Row(staff(*LEGAL_READERS), kwargs={"region": "155"}),
    "monitoring:region_gaps_export": Row(staff(*LEGAL_READERS), kwargs={"region": "155"}),
    "monitoring:legal_country": Row(staff(*LEGAL_READERS), kwargs={"country": "FR"}),
    "monitoring:legal_edit": Row(
        staff("erin"), kwargs={"country": "FR", "key": "icmec_csam_legislation"}
    ),
    "monitoring:targets": Row(staff(*READERS)),
    "monitoring:targets_export": Row(staff(*READERS)),
    "monitoring:target_create": Row(staff(*EDITORS)),
    "monitoring:target": Row(staff(*READERS), kwargs=_target),
    "monitoring:target_edit": Row(staff(*EDITORS), kwargs=_target),
    "monitoring:target_archive": Row(staff(*EDITORS, status=302), kwargs=_target, method="post"),
    "monitoring:report_index": Row(staff(*READERS)),
    "monitoring:report": Row(staff(*READERS), kwargs=_this_year),
    "monitoring:report_pdf": Row(staff(*READERS), kwargs=_this_year),
    "monitoring:report_narrative": Row(staff(*EDITORS), kwargs=_this_year),
}
