"""Feeds and TAXII paging run the same number of queries for few entries as for many (no N+1):
the RPZ zone, the URL list (JSON and text), the hash list (CSV and VICS) and TAXII pages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.models import ApiCredential, Scope
from hotline.feeds import actions
from hotline.feeds.models import Collection
from tests.conftest import World
from tests.factories import file_hashes
from tests.feeds.conftest import Consumer, confirmed_file, consumer, listed_page
from tests.querycount import fresh, queries_of

pytestmark = pytest.mark.django_db

BLOCKLIST = uuid.UUID("99507c8a-2614-4a65-8ea7-8495158113f0")
TAXII = "application/taxii+json;version=2.1"
_pages = iter(range(1, 10_000))


def _listed(world: World, count: int) -> None:
    """``count`` pages on the blocklist (routing lists them), every third one's domain marked
    as dedicated to abuse as well."""
    for position in range(count):
        n = next(_pages)
        listed_page(f"http://gallery{n}.example.test/{n}.html", world)
        if position % 3 == 0:
            actions.mark_domain_dedicated(
                f"shop{n}.example.test", reason="whole shop", acting_user=world.alice
            )


def _confirmed(world: World, count: int) -> None:
    for _ in range(count):
        hashes = file_hashes(next(_pages))
        confirmed_file(world, md5=hashes.md5, sha1=hashes.sha1, sha256=hashes.sha256)


def _pull(who: Consumer, name: str, **params: Any) -> Callable[[], bytes]:
    """A request for the feed, its (possibly streamed) body read to the end inside the call."""

    def pull() -> bytes:
        client, headers = who.client()
        response = client.get(reverse(name), params, **headers)
        assert response.status_code == 200, response.content
        if response.streaming:
            return b"".join(response.streaming_content)  # type: ignore[arg-type]
        return bytes(response.content)

    return pull


def _same_count_with_more(
    call: Callable[[], bytes], grow: Callable[[], None], assert_num_queries: Any
) -> tuple[bytes, bytes]:
    run = fresh(call)
    run()  # one-off work (first use of a credential, content types) is not what we measure
    before = run()
    few = queries_of(run)
    grow()
    with assert_num_queries(few):
        after = run()
    return before, after  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("feed", "scope", "params", "per_entry"),
    [
        # The zone holds the dedicated domains (a name and its wildcard), not single pages.
        ("api_feeds_rpz", Scope.FEED_RPZ, {}, b" CNAME ."),
        ("api_feeds_urls", Scope.FEED_URLS, {}, b'"expression"'),
        ("api_feeds_urls", Scope.FEED_URLS, {"format": "text"}, b"example.test"),
        ("api_feeds_urls", Scope.FEED_URLS, {"hashed": "1"}, b'"serial"'),
    ],
)
def test_blocklist_feed_query_count_does_not_grow_with_entries(
    blocking: World,
    django_assert_num_queries: Any,
    feed: str,
    scope: str,
    params: dict[str, str],
    per_entry: bytes,
) -> None:
    reader = consumer("Reader ISP", scope)
    _listed(blocking, 3)

    before, after = _same_count_with_more(
        _pull(reader, feed, **params), lambda: _listed(blocking, 27), django_assert_num_queries
    )

    assert after.count(per_entry) > before.count(per_entry) > 0


@pytest.mark.parametrize("fmt", ["csv", "vics"])
def test_hash_feed_query_count_does_not_grow_with_hashes(
    blocking: World, django_assert_num_queries: Any, fmt: str
) -> None:
    sharer = consumer("Hash sharer", Scope.FEED_HASHES)
    _confirmed(blocking, 3)

    before, after = _same_count_with_more(
        _pull(sharer, "api_feeds_hashes", format=fmt),
        lambda: _confirmed(blocking, 27),
        django_assert_num_queries,
    )

    sha256 = [file_hashes(n).sha256.encode() for n in range(1, next(_pages))]
    assert sum(v in after.lower() for v in sha256) == 30 > sum(v in before.lower() for v in sha256)


def _taxii_page(reader: Consumer, *, limit: int, page: int) -> Callable[[], bytes]:
    """Page ``page`` (1-based) of the blocklist collection, ``limit`` objects a page; the
    earlier pages are fetched outside the measured request, as a client would have."""
    client, headers = reader.client()
    url = reverse("api_feeds_taxii_objects", kwargs={"collection_id": BLOCKLIST})

    def get(params: dict[str, Any]) -> Any:
        response = client.get(url, params, HTTP_ACCEPT=TAXII, **headers)
        assert response.status_code == 200, response.content
        return json.loads(response.content)

    params: dict[str, Any] = {"limit": limit}
    for _ in range(page - 1):
        params["next"] = get(params)["next"]

    def measured() -> bytes:
        body = get(params)
        assert (len(body["objects"]), body["more"]) == (limit, True)
        return json.dumps(body).encode()

    return measured


@pytest.mark.parametrize("page", [1, 3])
def test_taxii_page_query_count_does_not_grow_with_page_size(
    blocking: World, django_assert_num_queries: Any, page: int
) -> None:
    reader = consumer("TAXII reader", Scope.FEED_TAXII)
    credential = ApiCredential.objects.get(organisation=reader.organisation)
    actions.subscribe(credential, Collection.objects.get(alias="blocklist"), acting_user=None)
    _listed(blocking, 40)  # 40 pages, 14 domains, the collection's identity and marking
    small = fresh(_taxii_page(reader, limit=2, page=page))
    small()
    few = queries_of(small)
    large = fresh(_taxii_page(reader, limit=12, page=page))

    with django_assert_num_queries(few):
        body = json.loads(large())

    assert [obj["type"] for obj in body["objects"]].count("indicator") >= 10
