"""Reads of the lists: the current serial, a list as it stood at a serial, the changes between
two serials, TAXII pages of STIX versions, and which collections a consumer may see.

Serials are handed out under a lock on the list's ``Serial`` row and committed in that order,
so "the list at serial N" never changes once N is visible: readers need no transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Final, NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, CharField, F, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from hotline.accounts.models import ApiCredential
from hotline.feeds.models import Collection, Entry, Serial

CHUNK = 5000
_FIELDS = (
    "pk",
    "kind",
    "value",
    "value_hash",
    "attributes",
    "stix_id",
    "added_serial",
    "added_at",
    "removed_serial",
    "removed_at",
    "removal_reason",
)
_NO_STIX_ID = uuid.UUID(int=0)


class FeedRecord(NamedTuple):
    """One entry as the renderers need it (a plain tuple: a million of them stay cheap)."""

    pk: int
    kind: str
    value: str
    value_hash: str
    attributes: dict[str, Any]
    stix_id: uuid.UUID
    added_serial: int
    added_at: datetime
    removed_serial: int | None
    removed_at: datetime | None
    removal_reason: str


class UnknownSerial(Exception):
    """A serial the list has not reached; the message says where the list is."""

    def __init__(self, feed_list: str, serial: int, current: int) -> None:
        super().__init__(
            f"the {feed_list} list is at serial {current}; serial {serial} does not exist"
            " (ask for a serial you received, or for the full list)"
        )
        self.current = current


def current_serial(feed_list: str) -> int:
    value = Serial.objects.filter(feed_list=feed_list).values_list("value", flat=True).first()
    return int(value or 0)


def check_serial(feed_list: str, serial: int | None) -> int:
    """``serial``, or the current one when None; ``UnknownSerial`` past the current one."""
    current = current_serial(feed_list)
    if serial is None:
        return current
    if serial < 0 or serial > current:
        raise UnknownSerial(feed_list, serial, current)
    return serial


def live_at(feed_list: str, serial: int, kinds: Sequence[str] = ()) -> QuerySet[Entry]:
    """Entries on the list as it stood at ``serial``."""
    entries = Entry.objects.filter(feed_list=feed_list, added_serial__lte=serial).filter(
        Q(removed_serial__isnull=True) | Q(removed_serial__gt=serial)
    )
    return entries.filter(kind__in=kinds) if kinds else entries


def removed_between(
    feed_list: str, since: int, serial: int, kinds: Sequence[str] = ()
) -> QuerySet[Entry]:
    """Entries on the list at ``since`` and gone by ``serial``."""
    entries = Entry.objects.filter(
        feed_list=feed_list,
        added_serial__lte=since,
        removed_serial__gt=since,
        removed_serial__lte=serial,
    )
    return entries.filter(kind__in=kinds) if kinds else entries


def added_between(
    feed_list: str, since: int, serial: int, kinds: Sequence[str] = ()
) -> QuerySet[Entry]:
    """Entries not on the list at ``since`` and on it at ``serial``."""
    entries = Entry.objects.filter(
        feed_list=feed_list, added_serial__gt=since, added_serial__lte=serial
    ).filter(Q(removed_serial__isnull=True) | Q(removed_serial__gt=serial))
    return entries.filter(kind__in=kinds) if kinds else entries


def records(
    entries: QuerySet[Entry],
    *,
    order: str | None = "added_serial",
    attributes: bool = True,
    stix_id: bool = True,
) -> Iterator[FeedRecord]:
    """Stream entries as ``FeedRecord`` tuples, in ``order`` (None: as already ordered).

    ``attributes=False`` and ``stix_id=False`` leave out columns a caller does not read
    (``{}`` and a nil UUID stand in): decoding them is most of the cost of a large list.
    """
    if order is not None:
        entries = entries.order_by(order)
    fields = [
        name
        for name in _FIELDS
        if (attributes or name != "attributes") and (stix_id or name != "stix_id")
    ]
    rows = entries.values_list(*fields).iterator(chunk_size=CHUNK)
    if attributes and stix_id:
        for row in rows:
            yield FeedRecord(*row)
        return
    for row in rows:
        values = dict(zip(fields, row, strict=True))
        yield FeedRecord(
            values["pk"],
            values["kind"],
            values["value"],
            values["value_hash"],
            values.get("attributes", {}),
            values.get("stix_id", _NO_STIX_ID),
            values["added_serial"],
            values["added_at"],
            values["removed_serial"],
            values["removed_at"],
            values["removal_reason"],
        )


# --- rows as the database stores them (the fast path of large lists) -------------------------

_DB_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:\+00(?::?00)?|Z)?$"
)
_TEXT_COLUMNS = frozenset({"added_at", "removed_at", "attributes"})


def text_rows(
    entries: QuerySet[Entry], fields: Sequence[str], *, limit: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Stream ``fields`` of ``entries`` as plain tuples, in the queryset's order, with the
    timestamps and the attributes as the database's text (``db_time`` and ``json.loads`` read
    them): no converter runs per row, which at a million rows is most of the time a feed
    takes. A timestamp's text is that of its UTC moment."""
    return iter(_text_values(entries, fields, limit=limit).iterator(chunk_size=CHUNK))


def _text_values(
    entries: QuerySet[Entry], fields: Sequence[str], *, limit: int | None = None
) -> QuerySet[Entry, tuple[Any, ...]]:
    columns: dict[str, Any] = {
        f"_{name}": Cast(F(name), output_field=CharField())
        for name in fields
        if name in _TEXT_COLUMNS
    }
    names = [f"_{name}" if name in _TEXT_COLUMNS else name for name in fields]
    rows = entries.annotate(**columns).values_list(*names)
    return rows[:limit] if limit is not None else rows


def _fetched(rows: QuerySet[Entry, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Every row of a ``_text_values`` query in one fetch, as the database driver returns it
    (those columns need no converter): Django's row iterator adds about 0.7 µs a row, a
    quarter of a page of ten thousand TAXII objects."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


ListRow = tuple[Any, ...]
"""``(kind, value, value_hash, added_serial, added_at text[, attributes text])``."""
LIST_FIELDS = ("kind", "value", "value_hash", "added_serial", "added_at")


def list_rows(
    entries: QuerySet[Entry], *, attributes: bool = False, sorted_after: bool = False
) -> Iterator[ListRow]:
    """What list feeds print of each entry, in serial order (``attributes``: and the
    attributes' JSON text, for feeds whose entries carry a network).

    ``sorted_after``: the rows are few and found through another index (the removals of a
    delta, by ``removed_serial``); sort them after the search. Ordered by the plain column,
    SQLite walks the ``added_serial`` index to avoid the sort and reads every entry added
    before the delta's start: 0.3 s at a million entries instead of a few milliseconds.
    """
    fields = (*LIST_FIELDS, "attributes") if attributes else LIST_FIELDS
    order = Cast("added_serial", BigIntegerField()) if sorted_after else F("added_serial")
    return text_rows(entries.order_by(order), fields)


def db_time(text: str) -> str:
    """A timestamp's text from ``text_rows`` as RFC 3339 UTC with microseconds and ``Z``
    (as ``formats.timestamp`` writes it): SQLite stores ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in
    UTC, PostgreSQL (its session in UTC) prints ``...[.f]+00``; anything else is parsed."""
    # SQLite's microseconds; PostgreSQL's three digits and "+00" have the same length.
    if len(text) == 26 and text[19] == "." and text[20:].isdigit():
        return f"{text[:10]}T{text[11:]}Z"
    plain = _DB_TIME.match(text)
    if plain is not None:
        return f"{plain[1]}T{plain[2]}.{(plain[3] or '').ljust(6, '0')}Z"
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- TAXII -----------------------------------------------------------------------------------


def visible_collections(credential: ApiCredential) -> QuerySet[Collection]:
    """The collections a consumer subscribes to: the only ones it can list or read."""
    return Collection.objects.filter(subscriptions__credential=credential).order_by("alias")


@dataclass(frozen=True)
class Version:
    """One STIX version of an entry: its addition, or its revocation when it left the list.

    ``key`` orders versions (the serial of the change) and is the TAXII paging position.
    """

    key: int
    record: FeedRecord
    revoked: bool

    @property
    def date_added(self) -> datetime:
        moment = self.record.removed_at if self.revoked else self.record.added_at
        assert moment is not None
        return moment


@dataclass(frozen=True)
class VersionFilter:
    """TAXII filters: ``after`` (paging position), ``added_after``, ids and which versions."""

    after: int | None = None
    added_after: datetime | None = None
    ids: tuple[uuid.UUID, ...] | None = None
    versions: str = "last"  # "last", "first" or "all"


StoredVersion = tuple[int, str, str]
"""One STIX version as ``version_rows`` reads it: ``(key, added, text)``, the paging key, the
moment it entered the collection as the database's text (``db_time`` reads it) and the
indicator's stored text (``stix.expand`` writes it out). A plain tuple, as the database
returns it: a page holds ten thousand."""
KEY: Final = 0
ADDED: Final = 1
TEXT: Final = 2

_ADDITION = ("added_serial", "added_at", "stix_added")
_REVOCATION = ("removed_serial", "removed_at", "stix_revoked")


def version_rows(feed_list: str, flt: VersionFilter, *, limit: int) -> list[StoredVersion]:
    """Up to ``limit`` versions in paging order (additions and revocations merged by serial)."""
    base = Entry.objects.filter(feed_list=feed_list)
    if flt.ids is not None:
        base = base.filter(stix_id__in=flt.ids)
    additions = base
    removals = base.filter(removed_serial__isnull=False)
    if flt.after is not None:
        additions = additions.filter(added_serial__gt=flt.after)
        removals = removals.filter(removed_serial__gt=flt.after)
    if flt.added_after is not None:
        additions = additions.filter(added_at__gt=flt.added_after)
        removals = removals.filter(removed_at__gt=flt.added_after)
    if flt.versions == "last":
        additions = additions.filter(removed_serial__isnull=True)
    found = _fetched(_text_values(additions.order_by("added_serial"), _ADDITION, limit=limit))
    if flt.versions != "first":
        removals_found = _fetched(
            _text_values(removals.order_by("removed_serial"), _REVOCATION, limit=limit)
        )
        if removals_found:  # two runs, each in order: sorting them is a linear merge
            found = sorted(found + removals_found, key=itemgetter(KEY))[:limit]
    return found


def record_of(entry: Entry) -> FeedRecord:
    """An entry (saved or about to be) as the renderers read it."""
    return FeedRecord(
        entry.pk or 0,
        entry.kind,
        entry.value,
        entry.value_hash,
        entry.attributes,
        entry.stix_id,
        entry.added_serial,
        entry.added_at,
        entry.removed_serial,
        entry.removed_at,
        entry.removal_reason,
    )


def entry_by_stix_id(feed_list: str, stix_id: uuid.UUID) -> FeedRecord | None:
    return next(records(Entry.objects.filter(feed_list=feed_list, stix_id=stix_id)), None)
