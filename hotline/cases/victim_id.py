"""Victim-identification export: confirmed baseline material as Project VIC VICS 2.0 JSON.

One media record per confirmed file, with every hash we hold for it. Material that
matched no known list when it was assessed is flagged as new (never seen before):
that is what victim-identification teams look at first. No media is ever included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from hotline.cases.models import Assessment, Confirmation, Item, ItemKind, Legality
from hotline.matching.formats.base import format_timestamp

CONTEXT = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/$metadata#Media"
NEW_MATERIAL_TAG = "hotline:new-material"


def _final_baseline(item: Item) -> Assessment | None:
    return (
        item.assessments.filter(
            legality=Legality.BASELINE,
            confirmation__in=[Confirmation.NOT_REQUIRED, Confirmation.CONFIRMED],
        )
        .order_by("-created_at")
        .first()
    )


def media_records(*, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """VICS 2.0 ``Media`` objects for every file item confirmed as baseline material."""
    items = Item.objects.filter(
        kind=ItemKind.FILE, assessments__legality=Legality.BASELINE
    ).distinct()
    if since is not None:
        items = items.filter(assessments__created_at__gte=since)
    for number, item in enumerate(items.order_by("pk").iterator(), start=1):
        assessment = _final_baseline(item)
        if assessment is None:
            continue
        new_material = not item.known_match and not assessment.based_on_match
        media: dict[str, Any] = {"MediaID": number, "Category": 1, "IsPrecategorized": True}
        if item.md5:
            media["MD5"] = item.md5.upper()
        if item.sha1:
            media["SHA1"] = item.sha1.upper()
        if item.sha256:
            media["SHA256"] = item.sha256.upper()
        if item.pdq:
            media["PDQ"] = item.pdq
            if item.pdq_quality is not None:
                media["PDQQuality"] = item.pdq_quality
        if item.file_size is not None:
            media["MediaSize"] = item.file_size
        media["DateUpdated"] = format_timestamp(assessment.created_at)
        media["Tags"] = [NEW_MATERIAL_TAG] if new_material else []
        media["Comments"] = (
            "New material: matched no known hash list when assessed"
            if new_material
            else "Known material"
        )
        yield media


def export(out: BinaryIO, *, since: datetime | None = None) -> tuple[int, int]:
    """Write the export; returns (records, of which new material)."""
    out.write(b'{"@odata.context":' + json.dumps(CONTEXT).encode() + b',"value":[')
    written = new = 0
    for media in media_records(since=since):
        out.write((b"\n" if written == 0 else b",\n") + json.dumps(media).encode())
        written += 1
        new += NEW_MATERIAL_TAG in media["Tags"]
    out.write(b"\n]}\n")
    return written, new
