"""Reading the audit log: filtered ranges, pages, CSV rows, the head and the last check."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet

from hotline.audit.models import AuditEvent, ChainCheck, TreeHead
from hotline.audit.objects import ObjectRef

PAGE_SIZE = 100
CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "organisation",
    "action",
    "object_type",
    "object_id",
    "detail",
    "hash",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which events an auditor asked for; empty fields match everything.

    ``action`` matches exactly, or as a prefix when it ends with ``*`` (``user.*``).
    ``objects`` matches any of the given objects. ``since`` is inclusive, ``until``
    exclusive. ``through_seq`` fixes the upper end of a range (an export covers exactly
    the events that existed when it started, not the ones written while it streams).
    """

    actor: str = ""
    organisation: str = ""
    action: str = ""
    objects: tuple[ObjectRef, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    through_seq: int | None = None
    description: dict[str, str] = field(default_factory=dict, compare=False)

    def as_detail(self) -> dict[str, Any]:
        """The filter as recorded in the audit event of a view or an export."""
        detail: dict[str, Any] = {k: v for k, v in self.description.items() if v}
        if self.through_seq is not None:
            detail["through_seq"] = self.through_seq
        return detail


def filtered_events(selection: AuditFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if selection.actor:
        events = events.filter(actor=selection.actor)
    if selection.organisation:
        events = events.filter(organisation=selection.organisation)
    if selection.action.endswith("*"):
        events = events.filter(action__startswith=selection.action[:-1])
    elif selection.action:
        events = events.filter(action=selection.action)
    if selection.objects:
        match = Q()
        for ref in selection.objects:
            match |= Q(object_type=ref.object_type, object_id=ref.object_id)
        events = events.filter(match)
    if selection.since is not None:
        events = events.filter(at__gte=selection.since)
    if selection.until is not None:
        events = events.filter(at__lt=selection.until)
    if selection.through_seq is not None:
        events = events.filter(seq__lte=selection.through_seq)
    return events


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    older_than: int | None  # ``before`` for the next (older) page, None on the last page


def event_page(selection: AuditFilter, *, before: int | None, size: int = PAGE_SIZE) -> EventPage:
    """One page, newest first, keyed on the event id (no COUNT over a large log, stable while
    new events arrive; events the sequencer has not placed yet are shown too)."""
    events = filtered_events(selection)
    if before is not None:
        events = events.filter(pk__lt=before)
    rows = list(events.order_by("-pk")[: size + 1])
    older = rows[size - 1].pk if len(rows) > size else None
    return EventPage(rows[:size], older)


def chain_head() -> tuple[int, str] | None:
    """The newest signed tree head's size and root hash (what ``hotline audit head`` prints)."""
    row = TreeHead.objects.order_by("-tree_size").values_list("tree_size", "root_hash").first()
    return (row[0], row[1]) if row else None


def latest_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size").first()


def pending_events() -> tuple[int, datetime | None]:
    """How many events wait for the sequencer, and when the oldest was written."""
    waiting = AuditEvent.objects.filter(seq__isnull=True)
    oldest = waiting.order_by("pk").values_list("at", flat=True).first()
    return waiting.count(), oldest


def last_check() -> ChainCheck | None:
    return ChainCheck.objects.order_by("-at", "-pk").first()


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def csv_lines(selection: AuditFilter, *, chunk_size: int = 2000) -> Iterator[str]:
    """The header, then one CSV line per event in ``seq`` order, read in chunks so a range of
    millions of events streams in constant memory. ``detail`` is the canonical JSON that the
    hash covers, so a reader can re-check each row's leaf hash from the file (and, for an
    unfiltered export, the signed head's root from all of them)."""
    yield _csv_line(CSV_COLUMNS)
    placed = filtered_events(selection).filter(seq__isnull=False)
    for event in placed.order_by("seq").iterator(chunk_size=chunk_size):
        yield _csv_line(
            (
                event.seq,
                event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                event.actor,
                event.organisation,
                event.action,
                event.object_type,
                event.object_id,
                json.dumps(event.detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                event.hash,
            )
        )
