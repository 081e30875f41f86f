"""Reports and items as the auditors' audit log finds them (registered on import)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from hotline.audit.objects import ObjectKind, ObjectRef, numeric_id, register_object_kind
from hotline.cases.models import Item, Report, ReportItem
from hotline.cases.references import normalise

REPORT_REFERENCE = re.compile(r"(?i)\s*HL-?\s*[0-9A-Z]{4}-?[0-9A-Z]{4}\s*")


def _report(text: str) -> Report | None:
    if REPORT_REFERENCE.fullmatch(text):
        body = normalise(text.strip()[2:].lstrip("-")).replace("-", "")
        return Report.objects.filter(reference=f"HL-{body[:4]}-{body[4:]}").first()
    pk = numeric_id(text)
    return Report.objects.filter(pk=pk).first() if pk is not None else None


def resolve_report(text: str) -> tuple[ObjectRef, ...] | None:
    """A report by reference or number: its own events and those of the items it named."""
    report = _report(text)
    if report is None:
        return None
    item_ids = ReportItem.objects.filter(report=report).values_list("item_id", flat=True)
    items = [ObjectRef("cases.item", str(pk)) for pk in sorted(item_ids)]
    return (ObjectRef("cases.report", str(report.pk)), *items)


def resolve_item(text: str) -> tuple[ObjectRef, ...] | None:
    pk = numeric_id(text)
    if pk is None or not Item.objects.filter(pk=pk).exists():
        return None
    return (ObjectRef("cases.item", str(pk)),)


register_object_kind(ObjectKind("report", _("Report"), resolve_report, reference=REPORT_REFERENCE))
register_object_kind(ObjectKind("item", _("Item"), resolve_item))
