"""The CyberTipline data our model does not hold, on the item page (registered on import)."""

from __future__ import annotations

from typing import Any

from hotline.cases.models import Item
from hotline.cases.panels import ITEM_PANELS
from hotline.intake.models import CybertipSubmission


def cybertip_details(item: Item) -> dict[str, Any]:
    """``cybertip_reports``: for each CyberTipline report of the item, every field it sent."""
    submissions = (
        CybertipSubmission.objects.filter(report__report_items__item=item)
        .select_related("report")
        .prefetch_related("files")
        .order_by("pk")
    )
    return {
        "cybertip_reports": [
            {
                "reference": s.report.reference if s.report else "",
                "report_id": s.pk,
                "rows": s.document,
                "files": [
                    {"file_id": f.file_id, "uploaded": f.uploaded, "rows": f.details or []}
                    for f in s.files.all()
                ],
            }
            for s in submissions
        ]
    }


ITEM_PANELS.register("cybertip", cybertip_details)
