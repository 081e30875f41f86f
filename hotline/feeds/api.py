"""Feed endpoints for machine clients (bearer token with the feed's scope; every pull audited).

* ``GET /api/v1/feeds/rpz``: the response-policy zone file (``text/dns``);
* ``GET /api/v1/feeds/<urls|payment|phone>``: the list at the current (or ``?serial=``) serial,
  ``?format=json|text``, and for URLs ``?hashed=1`` (SHA-256 of the lookup expressions);
* ``GET /api/v1/feeds/<urls|payment|phone>/delta?since=N``: what changed after serial N;
* ``GET /api/v1/feeds/hashes?format=csv|vics``: confirmed file hashes with their category;
* ``GET /api/v1/feeds/self-reported?format=csv|vics``: hashes the person depicted sent
  (removal requests, unverified), under their own scope.

Full lists and zones carry an ``ETag``; a client that sends it back in ``If-None-Match`` gets
``304 Not Modified`` while the list has not changed.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils import timezone

from hotline.accounts.models import Scope
from hotline.core.api import BadJson, api_endpoint, credential_of, json_body, problem
from hotline.feeds import queries, rpz
from hotline.feeds.actions import FILE_HASHES, audit_pull
from hotline.feeds.formats import FEEDS, FORMATS, Header, ListFeed, ListFormat
from hotline.feeds.models import Entry, EntryKind, FeedList
from hotline.feeds.queries import FeedRecord, UnknownSerial
from hotline.matching.formats import HashRecord, get_format
from hotline.matching.models import SelfSubmittedFile
from hotline.matching.self_submitted import NeverShared, record_platform_removals
from hotline.matching.vpdq.features import features_from_json, vpdq_id

_TRUE = ("1", "true", "yes")
_FALSE = ("", "0", "false", "no")


class BadParameter(Exception):
    pass


def _serial_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise BadParameter(
            f"{name} must be a serial number (a whole number >= 0); got {raw[:30]!r}"
        )
    return int(raw)


def _format_param(request: HttpRequest) -> ListFormat:
    name = request.GET.get("format", "json").strip().lower()
    if name not in FORMATS:
        raise BadParameter(f"format must be one of {', '.join(sorted(FORMATS))}; got {name[:30]!r}")
    return FORMATS[name]


def _hashed_param(request: HttpRequest, feed: ListFeed) -> bool:
    raw = request.GET.get("hashed", "").strip().lower()
    if raw in _FALSE:
        return False
    if raw not in _TRUE:
        raise BadParameter(f"hashed must be 1 or 0; got {raw[:30]!r}")
    if not feed.hashable:
        raise BadParameter(f"the {feed.name} feed has no hashed form")
    return True


def _served(response: HttpResponseBase) -> HttpResponse:
    """``api_endpoint`` is typed for ``HttpResponse``; streamed and file responses are served
    the same way by Django."""
    return cast(HttpResponse, response)


def _unknown(exc: UnknownSerial) -> HttpResponse:
    return problem(404, "Unknown serial", str(exc), current_serial=exc.current)


def _not_modified(request: HttpRequest, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return etag in [tag.strip() for tag in sent.split(",")]


def _records(
    feed: ListFeed, entries: QuerySet[Entry], *, sorted_after: bool = False
) -> Iterator[queries.ListRow]:
    return queries.list_rows(entries, attributes=feed.attributes, sorted_after=sorted_after)


def list_view(feed: ListFeed) -> Callable[[HttpRequest], HttpResponse]:
    """The full list of a feed, as it stands or as it stood at ``?serial=``."""

    @api_endpoint(feed.scope)
    def view(request: HttpRequest) -> HttpResponse:
        credential = credential_of(request)
        try:
            fmt = _format_param(request)
            hashed = _hashed_param(request, feed)
            serial = queries.check_serial(feed.feed_list, _serial_param(request, "serial"))
        except BadParameter as exc:
            return problem(400, "Bad parameter", str(exc))
        except UnknownSerial as exc:
            return _unknown(exc)
        etag = f'"{feed.name}-{serial}-{fmt.name}{"-hashed" if hashed else ""}"'
        unchanged = _not_modified(request, etag)
        audit_pull(
            credential,
            feed.name,
            view="full",
            serial=serial,
            format=fmt.name,
            hashed=hashed,
            not_modified=unchanged,
        )
        if unchanged:
            response: HttpResponseBase = HttpResponseNotModified()
        else:
            header = Header(feed, serial, timezone.now(), hashed)
            entries = _records(feed, queries.live_at(feed.feed_list, serial))
            response = StreamingHttpResponse(fmt.full(header, entries), content_type=fmt.media_type)
        response["ETag"] = etag
        response["X-Hotline-Serial"] = str(serial)
        return _served(response)

    view.__name__ = view.__qualname__ = f"{feed.name}_list"
    return view


def delta_view(feed: ListFeed) -> Callable[[HttpRequest], HttpResponse]:
    """What changed in a feed after serial ``?since=`` (up to ``?serial=``, default current)."""

    @api_endpoint(feed.scope)
    def view(request: HttpRequest) -> HttpResponse:
        credential = credential_of(request)
        try:
            fmt = _format_param(request)
            hashed = _hashed_param(request, feed)
            since = _serial_param(request, "since")
            if since is None:
                raise BadParameter("since is required: the serial of the list you hold")
            serial = queries.check_serial(feed.feed_list, _serial_param(request, "serial"))
            queries.check_serial(feed.feed_list, since)
            if since > serial:
                raise BadParameter(f"since ({since}) must not be after serial ({serial})")
        except BadParameter as exc:
            return problem(400, "Bad parameter", str(exc))
        except UnknownSerial as exc:
            return _unknown(exc)
        audit_pull(
            credential,
            feed.name,
            view="delta",
            since=since,
            serial=serial,
            format=fmt.name,
            hashed=hashed,
        )
        header = Header(feed, serial, timezone.now(), hashed, from_serial=since)
        removed = _records(
            feed, queries.removed_between(feed.feed_list, since, serial), sorted_after=True
        )
        added = _records(feed, queries.added_between(feed.feed_list, since, serial))
        response = StreamingHttpResponse(
            fmt.delta(header, removed, added), content_type=fmt.media_type
        )
        response["X-Hotline-Serial"] = str(serial)
        return _served(response)

    view.__name__ = view.__qualname__ = f"{feed.name}_delta"
    return view


def _encoded(lines: Iterable[str]) -> Iterator[bytes]:
    for chunk in lines:
        yield chunk.encode("ascii")


@api_endpoint(Scope.FEED_RPZ)
def rpz_zone(request: HttpRequest) -> HttpResponse:
    """The DNS response-policy zone as a zone file, for resolvers that load it over HTTPS."""
    credential = credential_of(request)
    config = rpz.zone_config()
    serial = queries.current_serial(FeedList.BLOCKLIST)
    etag = f'"rpz-{serial}"'
    unchanged = _not_modified(request, etag)
    audit_pull(credential, "rpz", serial=serial, not_modified=unchanged)
    response: HttpResponseBase
    if unchanged:
        response = HttpResponseNotModified()
    else:
        response = _published_zone(rpz.zone_path(config), serial) or StreamingHttpResponse(
            _encoded(
                rpz.zone_lines(
                    queries.live_at(FeedList.BLOCKLIST, serial, [EntryKind.DOMAIN])
                    .order_by("value")
                    .values_list("value", flat=True)
                    .iterator(chunk_size=queries.CHUNK),
                    serial,
                    config,
                )
            ),
            content_type="text/dns",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{config.origin.to_text(omit_final_dot=True)}.zone"'
        )
    response["ETag"] = etag
    response["X-Hotline-Serial"] = str(serial)
    return _served(response)


def _published_zone(path: Any, serial: int) -> FileResponse | None:
    """The zone file already written at ``serial``, if there is one (no need to build it)."""
    try:
        handle = path.open("rb")
    except OSError:
        return None
    first = handle.readline()
    if not first.startswith(f"; hotline rpz serial={serial} ".encode()):
        handle.close()
        return None
    handle.seek(0)
    return FileResponse(handle, content_type="text/dns")


def hash_records(entries: Iterable[FeedRecord]) -> Iterator[HashRecord]:
    """One record per hash of each confirmed file, with its category (the VICS exporter
    maps category labels to VICS numbers, as for ``hotline hashlist export``); a video's
    vPDQ is one more record, keyed by the file's MD5."""
    for record in entries:
        category = str(record.attributes.get("category", ""))
        if frames := record.attributes.get("vpdq"):
            features = features_from_json(frames)
            yield HashRecord(
                algorithm="vpdq",
                value=str(record.attributes.get("md5") or vpdq_id(features)),
                category=category,
                reference=f"indicator--{record.stix_id}",
                first_seen=record.added_at,
                features=features,
            )
        for algorithm in FILE_HASHES:
            value = record.attributes.get(algorithm)
            if not value:
                continue
            yield HashRecord(
                algorithm=algorithm,
                value=str(value),
                quality=record.attributes.get("pdq_quality") if algorithm == "pdq" else None,
                category=category,
                reference=f"indicator--{record.stix_id}",
                first_seen=record.added_at,
            )


def hash_list_view(feed_list: str, scope: str, stem: str) -> Callable[[HttpRequest], HttpResponse]:
    """A hash list as CSV or Project VIC VICS 2.0 JSON (the matching app's exporters): the
    confirmed hashes (``feed:hashes``) or those the person depicted sent (``feed:self_reported``,
    category ``self_reported``, uncategorised in VICS)."""

    @api_endpoint(scope)
    def view(request: HttpRequest) -> HttpResponse:
        credential = credential_of(request)
        name = request.GET.get("format", "csv").strip().lower()
        if name not in ("csv", "vics"):
            return problem(400, "Bad parameter", f"format must be csv or vics; got {name[:30]!r}")
        try:
            serial = queries.check_serial(feed_list, _serial_param(request, "serial"))
        except BadParameter as exc:
            return problem(400, "Bad parameter", str(exc))
        except UnknownSerial as exc:
            return _unknown(exc)
        fmt = get_format(name)
        # Spooled: small lists stay in memory, large ones go to a temporary file, never both.
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        written = fmt.export(
            hash_records(queries.records(queries.live_at(feed_list, serial))),
            out,  # type: ignore[arg-type]
        )
        out.seek(0)
        audit_pull(credential, feed_list, serial=serial, format=name, hashes=written)
        media_type = "text/csv; charset=utf-8" if name == "csv" else "application/json"
        response = FileResponse(
            out,
            content_type=media_type,
            as_attachment=True,
            filename=f"{stem}-{serial}.{fmt.extension}",
        )
        response["X-Hotline-Serial"] = str(serial)
        return _served(response)

    return view


hashes = hash_list_view(FeedList.HASHES, Scope.FEED_HASHES, "hotline-hashes")
self_reported_hashes = hash_list_view(
    FeedList.SELF_REPORTED, Scope.FEED_SELF_REPORTED, "hotline-self-reported"
)


urls_list = list_view(FEEDS["urls"])
urls_delta = delta_view(FEEDS["urls"])
payment_list = list_view(FEEDS["payment"])
payment_delta = delta_view(FEEDS["payment"])
phone_list = list_view(FEEDS["phone"])
phone_delta = delta_view(FEEDS["phone"])


MAX_REMOVED = 1_000_000


@api_endpoint(Scope.SELF_REPORTED_REMOVALS, methods=("POST",))
def self_reported_removals(request: HttpRequest) -> HttpResponse:
    """A platform says it matched a self-reported file and removed ``removed`` items:
    ``{"id": "<entry id from the feed>", "removed": N}``. Counted on the person's receipt page
    (the total only, never which platform); audited with the credential."""
    credential = credential_of(request)
    try:
        data = json_body(request, max_bytes=10_000)
    except BadJson as exc:
        return problem(exc.status, "Unreadable body", str(exc))
    errors: list[dict[str, str]] = []
    if not isinstance(data, dict):
        return problem(422, "Invalid report", "a JSON object", errors=[{"field": "body"}])
    raw_id = str(data.get("id", "")).removeprefix("indicator--")
    try:
        entry_id = uuid.UUID(raw_id)
    except ValueError:
        errors.append({"field": "id", "message": "the entry's id as the feed gave it (a UUID)"})
    removed: Any = data.get("removed")
    if not isinstance(removed, int) or isinstance(removed, bool) or not 1 <= removed <= MAX_REMOVED:
        errors.append(
            {"field": "removed", "message": f"how many items you removed, 1 to {MAX_REMOVED}"}
        )
    unknown = sorted(set(data) - {"id", "removed"})
    errors += [{"field": key, "message": "unknown field"} for key in unknown[:5]]
    if errors:
        return problem(422, "Invalid report", errors[0]["message"], errors=errors)
    entry = Entry.objects.filter(
        feed_list=FeedList.SELF_REPORTED, stix_id=entry_id, kind=EntryKind.SELF_REPORTED_FILE
    ).first()
    file_pk: Any = entry.attributes.get("self_submitted_file") if entry is not None else None
    file = (
        SelfSubmittedFile.objects.select_related("submission").filter(pk=int(file_pk)).first()
        if isinstance(file_pk, int)
        else None
    )
    if file is None:
        return problem(404, "Unknown entry", f"no self-reported entry has the id {entry_id}")
    try:
        record_platform_removals(file, removed=int(removed), credential=credential)
    except NeverShared as exc:
        return problem(409, "Never shared", str(exc))
    return JsonResponse({"id": str(entry_id), "removed": removed, "recorded": True}, status=201)
