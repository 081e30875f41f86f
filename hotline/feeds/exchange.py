"""Hash-list changes for signal-exchange clients (python-threatexchange, HMA).

``GET /api/v1/feeds/hashes/changes?since=N[&limit=L]`` (scope ``feed:hashes``) answers one
page of what changed on the hash list after serial ``N``: the files that left it and the files
that joined it, up to serial ``min(current, N + L)``. Every change raises the list's serial by
exactly one, so a page of ``L`` serials holds at most ``L`` changes and the client's checkpoint
is just the serial it reached. The client asks again from ``serial`` while ``more`` is true.

The change is *net* over the page: a file that joined and left within it appears in neither
list. Entries are keyed by their id (the file's STIX indicator id, as in TAXII), not by hash
value, so two files that share a PDQ hash are removed one at a time without losing the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse

from hotline.accounts.models import Scope
from hotline.core.api import api_endpoint, credential_of, problem
from hotline.feeds import queries
from hotline.feeds.actions import audit_pull
from hotline.feeds.formats import timestamp
from hotline.feeds.models import Entry, FeedList
from hotline.feeds.queries import FeedRecord, UnknownSerial

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
# What a file entry may carry; vPDQ arrives with video hashing, and is passed on when present.
EXCHANGED_HASHES = ("pdq", "md5", "sha1", "sha256", "vpdq")


class AddedFile(TypedDict):
    id: str
    serial: int
    listed_at: str
    category: str
    severity: str
    hashes: dict[str, str]
    pdq_quality: int | None
    reference: str


class RemovedFile(TypedDict):
    id: str
    serial: int
    removed_at: str
    reason: str


class BadParameter(Exception):
    pass


def _whole_number(request: HttpRequest, name: str, *, default: int | None) -> int:
    raw = request.GET.get(name)
    if raw is None:
        if default is None:
            raise BadParameter(
                f"{name} is required: the serial of the hash list you hold (0 for a first fetch)"
            )
        return default
    if not raw.strip().isdigit():
        raise BadParameter(f"{name} must be a whole number >= 0; got {raw[:30]!r}")
    return int(raw)


def _added(record: FeedRecord) -> AddedFile:
    attributes = record.attributes
    quality = attributes.get("pdq_quality")
    return {
        "id": str(record.stix_id),
        "serial": record.added_serial,
        "listed_at": timestamp(record.added_at),
        "category": str(attributes.get("category", "")),
        "severity": str(attributes.get("severity", "")),
        "hashes": {
            name: str(attributes[name]) for name in EXCHANGED_HASHES if attributes.get(name)
        },
        "pdq_quality": int(quality) if quality is not None else None,
        "reference": f"indicator--{record.stix_id}",
    }


def _removed(record: FeedRecord) -> RemovedFile:
    assert record.removed_serial is not None
    assert record.removed_at is not None
    return {
        "id": str(record.stix_id),
        "serial": record.removed_serial,
        "removed_at": timestamp(record.removed_at),
        "reason": record.removal_reason,
    }


def serial_moment(serial: int, feed_list: str = FeedList.HASHES) -> str | None:
    """When the hash list reached ``serial`` (None for 0): the moment of that serial's change.

    Moments never go back as serials rise (``actions._advance``), so clients may use it as a
    progress time.
    """
    if serial == 0:
        return None
    entry = (
        Entry.objects.filter(feed_list=feed_list)
        .filter(Q(added_serial=serial) | Q(removed_serial=serial))
        .values("added_serial", "added_at", "removed_at")
        .first()
    )
    if entry is None:
        return None
    moment = entry["added_at"] if entry["added_serial"] == serial else entry["removed_at"]
    return timestamp(moment) if moment is not None else None


def changes_view(feed_list: str, scope: str) -> Callable[[HttpRequest], HttpResponse]:
    """The changes endpoint of one hash list: the confirmed hashes (``feed:hashes``) or those
    the person depicted sent (``feed:self_reported``)."""

    @api_endpoint(scope)
    def view(request: HttpRequest) -> HttpResponse:
        return _changes(request, feed_list)

    return view


def _changes(request: HttpRequest, feed_list: str) -> HttpResponse:
    """One page of hash-list changes after ``since``, removals and additions, with the serial
    reached; each pull is audited with the span it covered."""
    credential = credential_of(request)
    try:
        since = _whole_number(request, "since", default=None)
        limit = _whole_number(request, "limit", default=DEFAULT_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise BadParameter(f"limit must be between 1 and {MAX_LIMIT}; got {limit}")
        current = queries.check_serial(feed_list, None)
        queries.check_serial(feed_list, since)
    except BadParameter as exc:
        return problem(400, "Bad parameter", str(exc))
    except UnknownSerial as exc:
        return problem(
            404,
            "Unknown serial",
            f"since={since}: {exc}. A checkpoint past the list's serial comes from another"
            " instance or from before a restore: fetch from 0 again.",
            current_serial=exc.current,
        )
    until = min(current, since + limit)
    removed = [
        _removed(r)
        for r in queries.records(
            queries.removed_between(feed_list, since, until),
            order="removed_serial",
            attributes=False,
        )
    ]
    added = [_added(r) for r in queries.records(queries.added_between(feed_list, since, until))]
    audit_pull(
        credential,
        feed_list,
        view="changes",
        since=since,
        serial=until,
        removed=len(removed),
        added=len(added),
    )
    body: dict[str, Any] = {
        "list": feed_list,
        "instance": settings.INSTANCE_NAME,
        "base_url": settings.BASE_URL,
        "from_serial": since,
        "serial": until,
        "serial_at": serial_moment(until, feed_list),
        "current_serial": current,
        "more": until < current,
        "removed": removed,
        "added": added,
    }
    response = JsonResponse(body)
    response["X-Hotline-Serial"] = str(until)
    return response


hash_changes = changes_view(FeedList.HASHES, Scope.FEED_HASHES)
self_reported_changes = changes_view(FeedList.SELF_REPORTED, Scope.FEED_SELF_REPORTED)
