"""A read-only TAXII 2.1 server (OASIS, 2021) for the STIX indicators of the lists.

Discovery, one API root, collections, objects (``added_after``, ``limit``, ``next``,
``match[id|type|version|spec_version]``), one object, its versions, and the manifest. Every
answer and error uses ``application/taxii+json;version=2.1``. Consumers authenticate with
their API token (``Authorization: Bearer <token>``, or ``Token <token>`` as taxii2-client's
``TokenAuth`` sends it), need the ``feed:taxii`` scope, and see only the collections they
subscribe to. Every request is audited.

Paging: objects are ordered by the serial of the change that produced each version, so a
page boundary never moves; ``next`` is that serial. The identity, marking and extension
objects of a collection come first. A page of indicators is the join of the texts stored
with the entries when they were listed and removed (``stix.stored_indicator``), expanded for
the collection's marking (``stix.expand``): no object is built per request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from operator import itemgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from hotline.accounts.actions import CredentialError, authenticate_token
from hotline.accounts.models import Scope
from hotline.core.api import credential_of
from hotline.feeds import queries, stix
from hotline.feeds.actions import audit_pull
from hotline.feeds.formats import timestamp
from hotline.feeds.models import Collection, FeedList
from hotline.feeds.queries import ADDED, KEY, TEXT, StoredVersion, Version, VersionFilter

MEDIA_TYPE = "application/taxii+json;version=2.1"
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
_FRACTION = re.compile(r"\.(\d+)")

View = Callable[..., HttpResponse]


def taxii_response(body: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=MEDIA_TYPE)


class SlicedResponse(HttpResponse):
    """A response handed to the WSGI server in slices of ``SLICE`` bytes: waitress copies a
    body of more than 1 MiB written at once into a temporary file before it sends it; slices
    go out as they come. ``content`` is the whole body, as in any ``HttpResponse``."""

    SLICE = 256 * 1024

    def __iter__(self) -> Iterator[bytes]:
        content = self.content
        for start in range(0, len(content), self.SLICE):
            yield content[start : start + self.SLICE]


def taxii_listing(body: dict[str, Any], key: str, items: list[str] | None) -> HttpResponse:
    """``taxii_response(body | {key: [...]})`` with the items already JSON text: the same
    bytes, without decoding and re-encoding thousands of objects."""
    text = json.dumps(body)
    if items is not None:
        parts = [f"{text[:-1]}, {json.dumps(key)}: ["]
        for item in items:
            parts += (item, ", ")
        if items:
            parts.pop()  # the last separator
        parts.append("]}")
        text = "".join(parts)  # one copy of a page of megabytes
    return SlicedResponse(text, content_type=MEDIA_TYPE)


def taxii_error(
    status: int, title: str, description: str = "", *, error_code: str = ""
) -> HttpResponse:
    """A TAXII 2.1 error message resource (``error_code``: the credential refusal's reason)."""
    body: dict[str, Any] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    if error_code:
        body["error_code"] = error_code
    return taxii_response(body, status=status)


def _acceptable(accept: str) -> bool:
    """Whether an Accept header admits TAXII 2.1 JSON (no header admits anything)."""
    if not accept.strip():
        return True
    for part in accept.split(","):
        media, *parameters = (piece.strip().lower() for piece in part.split(";"))
        options = dict(p.split("=", 1) for p in parameters if "=" in p)
        if media in ("*/*", "application/*"):
            return True
        if media == "application/taxii+json" and options.get("version", "2.1") == "2.1":
            return True
    return False


def taxii_endpoint(view: View) -> View:
    """GET only, TAXII media types, a bearer credential with ``feed:taxii`` (then
    ``request.credential``); every refusal is a TAXII error message."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = taxii_error(405, "Method not allowed", "This TAXII server is read-only.")
            response["Allow"] = "GET, HEAD"
            return response
        if not _acceptable(request.headers.get("Accept", "")):
            return taxii_error(406, "Not acceptable", f"Send 'Accept: {MEDIA_TYPE}' (TAXII 2.1).")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            response = taxii_error(
                401,
                "Credential required",
                "Send 'Authorization: Bearer <token>'.",
                error_code="missing",
            )
            response["WWW-Authenticate"] = 'Bearer realm="hotline-taxii"'
            return response
        try:
            credential = authenticate_token(token, scope=Scope.FEED_TAXII)
        except CredentialError as exc:
            response = taxii_error(exc.status, "Not authorised", str(exc), error_code=exc.reason)
            if exc.status == 401:
                response["WWW-Authenticate"] = 'Bearer realm="hotline-taxii", error="invalid_token"'
            return response
        request.credential = credential  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    wrapped.required_scope = Scope.FEED_TAXII  # type: ignore[attr-defined]
    return wrapped


# --- filters ---------------------------------------------------------------------------------


class BadFilter(Exception):
    """A query parameter the client must correct; the message says how."""


def parse_timestamp(text: str, *, name: str) -> datetime:
    """An RFC 3339 timestamp with a zone, as TAXII filters carry them."""
    cleaned = text.strip()
    if not _TIMESTAMP.match(cleaned):
        raise BadFilter(
            f"{name} must be an RFC 3339 timestamp with a time zone, such as"
            f" 2026-01-31T12:00:00.000Z; got {text[:60]!r}"
        )
    cleaned = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), cleaned, count=1)
    try:
        return datetime.fromisoformat(cleaned.replace("z", "+00:00").replace("Z", "+00:00"))
    except ValueError:
        raise BadFilter(f"{name} is not a real date and time: {text[:60]!r}") from None


def _list(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class Query:
    after: int | None = None
    added_after: datetime | None = None
    limit: int = 1000
    types: frozenset[str] | None = None
    ids: frozenset[str] | None = None
    versions: str = "last"
    stamps: frozenset[str] | None = None
    spec_versions: frozenset[str] | None = None


def parse_query(request: HttpRequest) -> Query:
    page_size = int(settings.FEEDS_TAXII_PAGE_SIZE)
    largest = int(settings.FEEDS_TAXII_MAX_PAGE)
    limit = page_size
    if (raw_limit := request.GET.get("limit")) is not None:
        if not raw_limit.strip().isdigit() or int(raw_limit) < 1:
            raise BadFilter(f"limit must be a whole number of at least 1; got {raw_limit[:20]!r}")
        limit = min(int(raw_limit), largest)
    after = None
    if (raw_next := request.GET.get("next")) is not None:
        try:
            after = int(raw_next)
        except ValueError:
            raise BadFilter(
                "next must be the value of 'next' from the previous page, unchanged"
            ) from None
    added_after = None
    if (raw_added := request.GET.get("added_after")) is not None:
        added_after = parse_timestamp(raw_added, name="added_after")
    versions = "last"
    stamps = None
    if (wanted := _list(request, "match[version]")) is not None:
        keywords = {w.lower() for w in wanted} & {"first", "last", "all"}
        moments = [w for w in wanted if w.lower() not in ("first", "last", "all")]
        if "all" in keywords or moments or keywords == {"first", "last"}:
            versions = "all"
        elif keywords == {"first"}:
            versions = "first"
        if moments and "all" not in keywords:
            stamps = frozenset(
                stix.stix_time(parse_timestamp(w, name="match[version]")) for w in moments
            )
    types = _list(request, "match[type]")
    ids = _list(request, "match[id]")
    spec = _list(request, "match[spec_version]")
    return Query(
        after=after,
        added_after=added_after,
        limit=limit,
        types=frozenset(types) if types is not None else None,
        ids=frozenset(ids) if ids is not None else None,
        versions=versions,
        stamps=stamps,
        spec_versions=frozenset(spec) if spec is not None else None,
    )


# --- what a collection holds -----------------------------------------------------------------


class Listed(NamedTuple):
    """One object version in paging order, already written as JSON text (``json``)."""

    key: int
    date_added: str  # RFC 3339, microseconds, Z
    id: str
    type: str
    version: str
    json: str

    @classmethod
    def of(cls, key: int, date_added: datetime, obj: dict[str, Any]) -> Listed:
        return cls(
            key,
            timestamp(date_added),
            str(obj["id"]),
            str(obj["type"]),
            str(obj.get("modified") or obj["created"]),
            json.dumps(obj),
        )


def _statics(collection: Collection) -> list[Listed]:
    objects = [stix.identity(), stix.tlp_marking(collection.tlp)]
    if collection.feed_list == FeedList.HASHES:
        objects += [stix.pdq_extension(), stix.vpdq_extension()]
    elif collection.feed_list == FeedList.SELF_REPORTED:
        objects.append(stix.pdq_extension())
    first = -len(objects)
    return [
        Listed.of(first + index, collection.created_at, obj) for index, obj in enumerate(objects)
    ]


def _indicator_ids(ids: frozenset[str] | None) -> tuple[uuid.UUID, ...] | None:
    if ids is None:
        return None
    found = []
    for text in ids:
        kind, _, rest = text.partition("--")
        if kind == "indicator":
            try:
                found.append(uuid.UUID(rest))
            except ValueError:
                continue
    return tuple(found)


def _listed(version: Version, collection: Collection) -> Listed:
    return Listed.of(version.key, version.date_added, stix.indicator(version, tlp=collection.tlp))


@dataclass(frozen=True)
class Window:
    """One page of a collection in paging order: its identity, marking and extension objects
    (``statics``) come first, then indicator versions as stored (``indicators``)."""

    statics: list[Listed]
    indicators: list[StoredVersion]

    def __len__(self) -> int:
        return len(self.statics) + len(self.indicators)

    def dates_added(self) -> tuple[str, str] | None:
        """When its first and its last object entered the collection (None: an empty page)."""
        if not len(self):
            return None
        statics, indicators = self.statics, self.indicators
        first = statics[0].date_added if statics else queries.db_time(indicators[0][ADDED])
        last = queries.db_time(indicators[-1][ADDED]) if indicators else statics[-1].date_added
        return first, last


def _window(collection: Collection, query: Query) -> tuple[Window, int, bool]:
    """The page (filters applied), the paging key it ends at, and whether more follow."""
    if query.spec_versions is not None and "2.1" not in query.spec_versions:
        return Window([], []), 0, False
    statics: list[Listed] = []
    statics_added = collection.created_at
    for listed in _statics(collection):
        if query.after is not None and listed.key <= query.after:
            continue
        if query.added_after is not None and statics_added <= query.added_after:
            continue
        if query.types is not None and listed.type not in query.types:
            continue
        if query.ids is not None and listed.id not in query.ids:
            continue
        statics.append(listed)
    indicators: list[StoredVersion] = []
    if query.types is None or "indicator" in query.types:
        flt = VersionFilter(
            after=query.after,
            added_after=query.added_after,
            ids=_indicator_ids(query.ids),
            versions=query.versions,
        )
        wanted = query.limit + 1 - len(statics)
        if wanted > 0:
            indicators = queries.version_rows(collection.feed_list, flt, limit=wanted)
    more = len(statics) + len(indicators) > query.limit
    statics = statics[: query.limit]
    indicators = indicators[: query.limit - len(statics)]
    last_key = indicators[-1][KEY] if indicators else statics[-1].key if statics else 0
    if query.stamps is not None:
        stamps = query.stamps
        statics = [s for s in statics if s.version in stamps]
        indicators = [v for v in indicators if stix.stored_version(v[TEXT]) in stamps]
    return Window(statics, indicators), last_key, more


def _dated(response: HttpResponse, dates: tuple[str, str] | None) -> HttpResponse:
    if dates is not None:
        response["X-TAXII-Date-Added-First"], response["X-TAXII-Date-Added-Last"] = dates
    return response


def _listed_dates(page: list[Listed]) -> tuple[str, str] | None:
    return (page[0].date_added, page[-1].date_added) if page else None


# --- views -----------------------------------------------------------------------------------


def _root_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api_feeds_taxii_root"))


def _collection_resource(collection: Collection) -> dict[str, Any]:
    return {
        "id": str(collection.pk),
        "title": collection.title,
        "description": collection.description,
        "alias": collection.alias,
        "can_read": True,
        "can_write": False,
        "media_types": [stix.MEDIA_TYPE],
    }


def _collection_or_error(request: HttpRequest, collection_id: uuid.UUID) -> Collection | None:
    return queries.visible_collections(credential_of(request)).filter(pk=collection_id).first()


def _not_found(what: str) -> HttpResponse:
    return taxii_error(404, "Not found", what)


NO_COLLECTION = "No such collection for this credential: list /collections/ to see yours."


@taxii_endpoint
def discovery(request: HttpRequest) -> HttpResponse:
    root = _root_url(request)
    return taxii_response(
        {
            "title": f"{settings.INSTANCE_NAME} TAXII",
            "description": "STIX 2.1 indicators of this hotline's blocklist and hash list.",
            "contact": str(settings.FEEDS_CONTACT or settings.DEFAULT_FROM_EMAIL),
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_endpoint
def api_root(request: HttpRequest) -> HttpResponse:
    return taxii_response(
        {
            "title": f"{settings.INSTANCE_NAME} feeds",
            "description": "Read-only collections; ask the hotline for a subscription.",
            "versions": [MEDIA_TYPE],
            "max_content_length": 0,
        }
    )


@taxii_endpoint
def collections(request: HttpRequest) -> HttpResponse:
    credential = credential_of(request)
    visible = list(queries.visible_collections(credential))
    audit_pull(credential, "taxii", endpoint="collections", returned=len(visible))
    if not visible:
        return taxii_response({})
    return taxii_response({"collections": [_collection_resource(c) for c in visible]})


@taxii_endpoint
def collection(request: HttpRequest, collection_id: uuid.UUID) -> HttpResponse:
    found = _collection_or_error(request, collection_id)
    if found is None:
        return _not_found(NO_COLLECTION)
    return taxii_response(_collection_resource(found))


def _paged(
    request: HttpRequest,
    collection_id: uuid.UUID,
    endpoint: str,
    render: Callable[[Window, Collection], list[str]],
) -> HttpResponse:
    found = _collection_or_error(request, collection_id)
    if found is None:
        return _not_found(NO_COLLECTION)
    try:
        query = parse_query(request)
    except BadFilter as exc:
        return taxii_error(400, "Bad filter", str(exc))
    page, last_key, more = _window(found, query)
    body: dict[str, Any] = {"more": more}
    if more:
        body["next"] = str(last_key)
    objects = render(page, found) if len(page) else None
    audit_pull(
        credential_of(request),
        "taxii",
        endpoint=endpoint,
        collection=found.alias,
        returned=len(page),
        more=more,
        added_after=request.GET.get("added_after", ""),
    )
    return _dated(taxii_listing(body, "objects", objects), page.dates_added())


def _stored_texts(page: Window) -> list[str]:
    texts = list(map(itemgetter(TEXT), page.indicators))
    if "" in texts:  # only payment and phone entries store none, and no collection holds them
        raise ValueError("a collection holds entries not published as STIX indicators")
    return texts


@taxii_endpoint
def objects(request: HttpRequest, collection_id: uuid.UUID) -> HttpResponse:
    def render(page: Window, found: Collection) -> list[str]:
        rendered = [s.json for s in page.statics]
        if page.indicators:
            joined = ", ".join(_stored_texts(page))
            creator = stix.identity_id()
            rendered.append(
                stix.expand(joined, feed_list=found.feed_list, tlp=found.tlp, creator=creator)
            )
        return rendered

    return _paged(request, collection_id, "objects", render)


def _manifest_record(object_id: str, date_added: str, version: str) -> str:
    return json.dumps(
        {
            "id": object_id,
            "date_added": date_added,
            "version": version,
            "media_type": stix.MEDIA_TYPE,
        }
    )


@taxii_endpoint
def manifest(request: HttpRequest, collection_id: uuid.UUID) -> HttpResponse:
    def render(page: Window, found: Collection) -> list[str]:
        manifest = [_manifest_record(s.id, s.date_added, s.version) for s in page.statics]
        for (_, added, _), text in zip(page.indicators, _stored_texts(page), strict=True):
            manifest.append(
                _manifest_record(
                    stix.stored_id(text), queries.db_time(added), stix.stored_version(text)
                )
            )
        return manifest

    return _paged(request, collection_id, "manifest", render)


def _object_versions(found: Collection, object_id: str) -> list[Listed] | None:
    """Every version of one object in the collection (None: no such object)."""
    statics = [s for s in _statics(found) if s.id == object_id]
    if statics:
        return statics
    ids = _indicator_ids(frozenset([object_id]))
    if not ids:
        return None
    record = queries.entry_by_stix_id(found.feed_list, ids[0])
    if record is None:
        return None
    result = [Version(record.added_serial, record, False)]
    if record.removed_serial is not None:
        result.append(Version(record.removed_serial, record, True))
    return [_listed(v, found) for v in result]


def _object_request(
    request: HttpRequest, collection_id: uuid.UUID, object_id: str
) -> HttpResponse | tuple[Any, Any, list[Any]]:
    """What both per-object endpoints start with: the collection, the filters, and the object's
    versions added after ``added_after``; or the error response to send instead."""
    found = _collection_or_error(request, collection_id)
    if found is None:
        return _not_found(NO_COLLECTION)
    try:
        query = parse_query(request)
    except BadFilter as exc:
        return taxii_error(400, "Bad filter", str(exc))
    every = _object_versions(found, object_id)
    if every is None:
        return _not_found(f"No object {object_id[:100]!r} in this collection.")
    if query.added_after is not None:
        after = timestamp(query.added_after)  # same fixed-width text: text order is time order
        every = [i for i in every if i.date_added > after]
    return found, query, every


@taxii_endpoint
def object_detail(request: HttpRequest, collection_id: uuid.UUID, object_id: str) -> HttpResponse:
    answer = _object_request(request, collection_id, object_id)
    if isinstance(answer, HttpResponse):
        return answer
    found, query, every = answer
    if query.stamps is not None:
        every = [i for i in every if i.version in query.stamps]
    elif query.versions == "last":
        every = every[-1:]
    elif query.versions == "first":
        every = every[:1]
    audit_pull(
        credential_of(request),
        "taxii",
        endpoint="object",
        collection=found.alias,
        object=object_id[:100],
        returned=len(every),
    )
    objects = [i.json for i in every] if every else None
    return _dated(taxii_listing({"more": False}, "objects", objects), _listed_dates(every))


@taxii_endpoint
def object_versions(request: HttpRequest, collection_id: uuid.UUID, object_id: str) -> HttpResponse:
    answer = _object_request(request, collection_id, object_id)
    if isinstance(answer, HttpResponse):
        return answer
    found, _query, every = answer
    audit_pull(
        credential_of(request),
        "taxii",
        endpoint="versions",
        collection=found.alias,
        object=object_id[:100],
        returned=len(every),
    )
    return _dated(
        taxii_response({"more": False, "versions": [i.version for i in every]}),
        _listed_dates(every),
    )
