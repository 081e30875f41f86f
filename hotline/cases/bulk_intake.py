"""Filing reports with set-wise queries: a constant number of statements per batch rather than
a dozen per report. Every channel files here: a batch from the API, one report
(``cases.actions.file_report``, a batch of one) from the web form, a partner or the
CyberTipline API.

The result is the same as filing the reports one after another in one transaction: a URL or
file already known (or filed earlier in the same batch) attaches the report to that item and
counts the report once; a URL twice in one report counts once; an item removed and reported
again is opened again. Two batches racing to create the same new URL make one of them fail
with ``IntegrityError`` as a whole (nothing half-stored); the API then files it again, when
the item exists. New URLs are inserted, and known items locked, in one order, so concurrent
batches wait for each other and never deadlock. A new file's hashes are
written (``FileHash``) in one order too: of two transactions reporting the same new file at
the same moment, the later fails the same way and is filed again, attaching to the first's
item.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hotline.audit.actions import EventSpec, record_many
from hotline.cases import references
from hotline.cases.actions import (
    Actor,
    FiledReport,
    ReportInput,
    new_file_item,
    new_report,
    new_url_item,
    reopen_if_removed,
)
from hotline.cases.models import (
    Channel,
    FileHash,
    Item,
    ItemKind,
    ItemStatus,
    Report,
    ReportItem,
    ReportStatus,
)
from hotline.cases.tasks import enrich_item
from hotline.cases.triage import compute_priority
from hotline.core.enqueue import enqueue_many
from hotline.fast_insert import build, insert_new
from hotline.fast_select import columns, load
from hotline.hosting.canonical import CanonicalUrl, canonicalize

_FILE_KEYS = ("sha256", "sha1", "md5")


@dataclass
class _Bump:
    """What the batch adds to an item that existed before it."""

    reports: int = 0
    urgent: bool = False


@dataclass
class _Targets:
    """Each report's items, in the order the report lists them."""

    per_report: list[list[tuple[Item, str]]] = field(default_factory=list)
    created: set[int] = field(default_factory=set)  # ids of items this batch created


def _wanted(
    batch: Sequence[ReportInput],
) -> tuple[dict[str, tuple[CanonicalUrl, bool]], dict[str, str], dict[str, set[str]]]:
    """The batch's URLs by canonical hash (with the first report's urgency, as that report
    makes the item), each submitted URL's hash (a URL is canonicalised once per batch), and the
    file hashes by kind, in lower case."""
    urls: dict[str, tuple[CanonicalUrl, bool]] = {}
    digests: dict[str, str] = {}
    files: dict[str, set[str]] = {key: set() for key in _FILE_KEYS}
    for data in batch:
        urgent = data.child_in_danger or bool(data.urgent_reason)
        for raw in data.urls:
            digest = digests.get(raw)
            if digest is None:
                canonical = canonicalize(raw)
                digest = digests[raw] = hashlib.sha256(canonical.url.encode()).hexdigest()
                urls.setdefault(digest, (canonical, urgent))
        for spec in data.files:
            for key in _FILE_KEYS:
                if value := getattr(spec, key):
                    files[key].add(value.lower())
    return urls, digests, files


def _known(
    urls: dict[str, tuple[CanonicalUrl, bool]], files: dict[str, set[str]]
) -> tuple[dict[str, Item], dict[tuple[str, str], Item]]:
    """The items that exist for the batch's URLs (by canonical hash) and files (by each hash
    they have), locked until the commit: one query, rows locked in id order (two batches
    sharing items then wait for each other instead of deadlocking).

    The statement is written here rather than by the ORM (``hotline.fast_select``): for a
    report or two, building it through Django's compiler (an OR of four IN lists) cost more
    CPU than running it."""
    conditions: list[str] = []
    params: list[Any] = []
    if urls:
        url_in, values = _in("canonical_url_hash", list(urls))
        conditions.append(f"(kind = %s AND {url_in})")
        params += [ItemKind.URL, *values]
    either: list[str] = []
    file_params: list[Any] = []
    for key in _FILE_KEYS:
        if files[key]:
            hash_in, values = _in(key, sorted(files[key]))
            either.append(hash_in)
            file_params += values
    if either:
        conditions.append(f"(kind = %s AND ({' OR '.join(either)}))")
        params += [ItemKind.FILE, *file_params]
    by_url: dict[str, Item] = {}
    by_hash: dict[tuple[str, str], Item] = {}
    if not conditions:
        return by_url, by_hash
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    statement = (
        f"SELECT {columns(Item, 'i')} FROM {Item._meta.db_table} i "  # noqa: S608 - fixed names, values as parameters
        f"WHERE {' OR '.join(conditions)} ORDER BY i.id{lock}"
    )
    for (item,) in load(statement, params, Item):
        if item.kind == ItemKind.URL:
            by_url[item.canonical_url_hash] = item
            continue
        for key in _FILE_KEYS:
            if value := getattr(item, key):
                by_hash.setdefault((key, value), item)  # the oldest item with that hash
    return by_url, by_hash


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _in(column: str, values: list[str]) -> tuple[str, list[Any]]:
    """``column IN (values)`` and its parameters. On PostgreSQL ``= ANY`` of one array: the
    statement's text is then the same for any number of values, where psycopg parsed a new
    text with a placeholder per value every time (6 % of a batch of 500's CPU)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::text[])", [values]
    return f"{column} IN ({_marks(len(values))})", list(values)


def existing_external_ids(organisation_id: int, external_ids: Sequence[str]) -> dict[str, str]:
    """The references of the reports ``organisation_id`` already filed under these external
    ids (a batch's duplicates), by external id."""
    if not external_ids:
        return {}
    external_in, values = _in("external_id", list(external_ids))
    statement = (
        f"SELECT external_id, reference FROM {Report._meta.db_table} "  # noqa: S608 - fixed names, values as parameters
        f"WHERE submitted_by_id = %s AND {external_in}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [organisation_id, *values])
        return dict(cursor.fetchall())


def _resolve(batch: Sequence[ReportInput], now: datetime) -> tuple[_Targets, list[Item]]:
    wanted_urls, digests, wanted_files = _wanted(batch)
    urls, files = _known(wanted_urls, wanted_files)
    fresh: list[Item] = []
    # New URL items in the order of their canonical hash, whatever the batch's order: two
    # batches creating the same URLs then take their unique-index entries in one order, and
    # the later waits for the earlier's commit instead of deadlocking with it.
    for digest, (canonical, urgent) in sorted(wanted_urls.items()):
        if digest not in urls:
            urls[digest] = new_url_item(canonical, digest, urgent=urgent, now=now)
            fresh.append(urls[digest])
    targets = _Targets()
    for data in batch:
        urgent = data.child_in_danger or bool(data.urgent_reason)
        mine: list[tuple[Item, str]] = []
        for raw in data.urls:
            mine.append((urls[digests[raw]], raw))
        for spec in data.files:
            item = next(
                (
                    files[(key, getattr(spec, key).lower())]
                    for key in _FILE_KEYS
                    if getattr(spec, key) and (key, getattr(spec, key).lower()) in files
                ),
                None,
            )
            if item is None:
                item = new_file_item(spec, urgent=urgent, now=now)
                fresh.append(item)
                for key in _FILE_KEYS:  # later files of the batch with a same hash find it
                    if value := getattr(item, key):
                        files.setdefault((key, value), item)
            mine.append((item, spec.sha256 or spec.sha1 or spec.md5))
        targets.per_report.append(mine)
    for item in fresh:
        item.priority = compute_priority(item)
    insert_new(fresh)
    # The new files' hashes, in one order whatever the batch's (as new URLs, above): a
    # transaction creating an item for one of the same files waits for this one and then
    # fails on the key, to be filed again and attach to this item.
    insert_new(
        sorted(
            (
                build(FileHash, key=f"{key}:{value}", item_id=item.pk)
                for item in fresh
                if item.kind == ItemKind.FILE
                for key in _FILE_KEYS
                if (value := getattr(item, key))
            ),
            key=operator.attrgetter("key"),
        )
    )
    targets.created = {item.pk for item in fresh}
    return targets, fresh


@transaction.atomic(savepoint=False)  # inside a caller's transaction, fail (and retry) as one
def file_reports(batch: Sequence[ReportInput], *, actor: Actor) -> list[FiledReport]:
    """File every report of ``batch`` in one transaction, as filing them one by one would.

    Writes its ``report.file`` audit events in the same transaction (one multi-row INSERT) and
    queues enrichment of the new items with it.
    """
    now = timezone.now()
    secrets = [
        references.new_secret() if data.channel == Channel.PUBLIC_WEB else "" for data in batch
    ]
    reports = [
        new_report(data, secret=secret, now=now)
        for data, secret in zip(batch, secrets, strict=True)
    ]
    insert_new(reports)
    targets, fresh = _resolve(batch, now)

    links: list[ReportItem] = []
    bumps: dict[int, _Bump] = {}
    seen_new: set[int] = set()
    filed: list[FiledReport] = []
    for data, report, secret, mine in zip(batch, reports, secrets, targets.per_report, strict=True):
        urgent = data.child_in_danger or bool(data.urgent_reason)
        linked: set[int] = set()
        new_items: list[Item] = []
        known_items: list[Item] = []
        for item, submitted in mine:
            item_id = item.pk
            if item_id in linked:
                continue  # the same URL twice in one report counts once
            linked.add(item_id)
            # By ids (both rows are written): assigning the objects through their descriptors
            # cost 4 % of a batch, for a link nothing reads before the commit.
            links.append(
                build(
                    ReportItem,
                    report_id=report.pk,
                    item_id=item_id,
                    submitted_value=submitted[:4096],
                )
            )
            if item_id in targets.created and item_id not in seen_new:
                seen_new.add(item_id)  # its first report: counted at creation
                new_items.append(item)
                continue
            bump = bumps.setdefault(item_id, _Bump())
            bump.reports += 1
            bump.urgent = bump.urgent or urgent
            known_items.append(item)
        filed.append(FiledReport(report, secret, new_items, known_items))
    insert_new(links)
    _apply_bumps(bumps, {item.pk: item for mine in targets.per_report for item, _ in mine}, now)
    _refresh_statuses(reports, targets)

    record_many(
        [
            EventSpec(
                "report.file",
                obj=report,
                detail={"channel": data.channel, "items": [i.pk for i, _ in mine]},
            )
            for data, report, mine in zip(batch, reports, targets.per_report, strict=True)
        ],
        actor=actor,
    )
    # In this transaction: the task exists exactly when the item does.
    enqueue_many(enrich_item, [{"item_id": item.pk} for item in fresh])
    return filed


def _apply_bumps(bumps: dict[int, _Bump], items: dict[int, Item], now: datetime) -> None:
    """Items reported again: counted, dated, urgent if any report was, reopened after a
    removal (a verdict of "not illegal" stays closed), re-prioritised — all in one UPDATE.

    The new values are computed here from ``items``, which hold the rows as this transaction
    locked them (``_known``) or created them: nothing else can change them before the commit.
    """
    changed = []
    for item_id, bump in bumps.items():
        item = items[item_id]
        item.report_count += bump.reports
        item.last_reported_at = now
        item.urgent = item.urgent or bump.urgent
        reopen_if_removed(item)
        item.priority = compute_priority(item)
        changed.append(item)
    if not changed:
        return
    if connection.vendor != "postgresql":
        written = ["report_count", "last_reported_at", "urgent", "status", "close_reason"]
        written += ["closed_at", "priority"]  # the columns the UPDATE below sets
        Item.objects.bulk_update(changed, written, batch_size=200)
        return
    # Django's bulk_update writes a CASE per column and row; from arrays, one row per item.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE cases_item AS item SET
                report_count = bumped.report_count, last_reported_at = %s,
                urgent = bumped.urgent, status = bumped.status,
                close_reason = bumped.close_reason, closed_at = bumped.closed_at,
                priority = bumped.priority
            FROM unnest(%s::bigint[], %s::integer[], %s::boolean[], %s::varchar[],
                        %s::varchar[], %s::timestamptz[], %s::integer[])
                AS bumped(id, report_count, urgent, status, close_reason, closed_at, priority)
            WHERE item.id = bumped.id
            """,
            [
                now,
                [i.pk for i in changed],
                [i.report_count for i in changed],
                [i.urgent for i in changed],
                [i.status for i in changed],
                [i.close_reason for i in changed],
                [i.closed_at for i in changed],
                [i.priority for i in changed],
            ],
        )


def _refresh_statuses(reports: list[Report], targets: _Targets) -> None:
    """The reports' statuses from their items' (as ``_apply_bumps`` left them), stored where
    they differ."""
    if all(item.pk in targets.created for mine in targets.per_report for item, _ in mine):
        return  # only items this batch created: all new, every report stays "received"
    changed = []
    for report, mine in zip(reports, targets.per_report, strict=True):
        mine_statuses = [item.status for item, _ in mine]
        if mine_statuses and all(s == ItemStatus.CLOSED for s in mine_statuses):
            new = ReportStatus.CLOSED
        elif mine_statuses and all(
            s in (ItemStatus.ASSESSED, ItemStatus.CLOSED) for s in mine_statuses
        ):
            new = ReportStatus.ASSESSED
        else:
            new = ReportStatus.RECEIVED
        if new != report.status:
            report.status = new
            changed.append(report)
    Report.objects.bulk_update(changed, ["status"])
