"""The hash-list change feed that signal-exchange clients (python-threatexchange, HMA) page
through: net changes by serial, paging, bad checkpoints, credentials, audit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.actions import revoke_credential
from hotline.accounts.models import ApiCredential, Scope
from hotline.audit.models import AuditEvent
from hotline.feeds import actions
from hotline.feeds.models import Entry
from tests.conftest import World
from tests.feeds.conftest import Consumer, confirmed_file, consumer

pytestmark = pytest.mark.django_db

PDQ = "f" * 16 + "0" * 48


def _changes(who: Consumer, **params: Any) -> Any:
    client, headers = who.client()
    return client.get(reverse("api_feeds_hashes_changes"), params, **headers)


def _page(who: Consumer, **params: Any) -> dict[str, Any]:
    response = _changes(who, **params)
    assert response.status_code == 200, response.content
    document: dict[str, Any] = json.loads(response.content)
    return document


@pytest.fixture
def sharer(blocking: World) -> Consumer:
    return consumer("Platform", Scope.FEED_HASHES, kind="industry")


def test_first_page_lists_each_file_with_its_hashes_quality_and_category(
    blocking: World, sharer: Consumer
) -> None:
    item = confirmed_file(blocking, md5="1" * 32, sha256="2" * 64, pdq=PDQ, pdq_quality=90)
    entry = Entry.objects.get(item=item)

    page = _page(sharer, since=0)

    assert {k: page[k] for k in ("list", "from_serial", "serial", "current_serial", "more")} == {
        "list": "hashes",
        "from_serial": 0,
        "serial": 1,
        "current_serial": 1,
        "more": False,
    }
    assert page["removed"] == []
    [added] = page["added"]
    assert {k: v for k, v in added.items() if k != "listed_at"} == {
        "id": str(entry.stix_id),
        "serial": 1,
        "category": "baseline",
        "severity": "inhope:baseline",
        "hashes": {"pdq": PDQ, "md5": "1" * 32, "sha256": "2" * 64},
        "pdq_quality": 90,
        "reference": f"indicator--{entry.stix_id}",
    }
    assert page["serial_at"] == added["listed_at"]


def test_pages_cover_limit_serials_and_say_whether_more_follow(
    blocking: World, sharer: Consumer
) -> None:
    for digit in "123":
        confirmed_file(blocking, md5=digit * 32)

    first = _page(sharer, since=0, limit=2)
    second = _page(sharer, since=first["serial"], limit=2)
    done = _page(sharer, since=second["serial"], limit=2)

    assert [
        (p["serial"], p["more"], [a["hashes"]["md5"][0] for a in p["added"]])
        for p in (
            first,
            second,
            done,
        )
    ] == [(2, True, ["1", "2"]), (3, False, ["3"]), (3, False, [])]


def test_a_file_that_left_is_a_removal_after_the_serial_it_was_fetched_at(
    blocking: World, sharer: Consumer
) -> None:
    kept = Entry.objects.get(item=confirmed_file(blocking, md5="1" * 32))
    lifted = Entry.objects.get(item=confirmed_file(blocking, md5="2" * 32))
    held = _page(sharer, since=0)["serial"]

    actions.lift_entry(lifted, reason="listed in error", acting_user=blocking.alice)
    page = _page(sharer, since=held)

    assert [(r["id"], r["serial"], r["reason"]) for r in page["removed"]] == [
        (str(lifted.stix_id), 3, "lifted")
    ]
    assert page["added"] == []
    assert [a["id"] for a in _page(sharer, since=0)["added"]] == [str(kept.stix_id)]


def test_a_file_that_joined_and_left_within_a_page_is_in_neither_list(
    blocking: World, sharer: Consumer
) -> None:
    entry = Entry.objects.get(item=confirmed_file(blocking, md5="1" * 32))
    actions.lift_entry(entry, reason="mistake", acting_user=blocking.alice)

    page = _page(sharer, since=0)

    assert (page["serial"], page["removed"], page["added"]) == (2, [], [])


def test_checkpoint_from_the_future_is_refused_with_the_current_serial(
    blocking: World, sharer: Consumer
) -> None:
    confirmed_file(blocking, md5="1" * 32)

    response = _changes(sharer, since=7)

    body = json.loads(response.content)
    assert (response.status_code, body["title"], body["current_serial"]) == (
        404,
        "Unknown serial",
        1,
    )
    assert "fetch from 0 again" in body["detail"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "since is required: the serial of the hash list you hold (0 for a first fetch)"),
        ({"since": "-1"}, "since must be a whole number >= 0; got '-1'"),
        ({"since": "0", "limit": "0"}, "limit must be between 1 and 5000; got 0"),
        ({"since": "0", "limit": "5001"}, "limit must be between 1 and 5000; got 5001"),
    ],
)
def test_bad_parameters_name_the_field(
    sharer: Consumer, params: dict[str, str], detail: str
) -> None:
    response = _changes(sharer, **params)

    assert (response.status_code, json.loads(response.content)["detail"]) == (400, detail)


def test_revoked_credential_and_wrong_scope_are_refused(blocking: World) -> None:
    revoked = consumer("Old platform", Scope.FEED_HASHES)
    revoke_credential(
        ApiCredential.objects.get(organisation=revoked.organisation), acting_user=None
    )
    proxy = consumer("Proxy", Scope.FEED_URLS)

    refused = _changes(revoked, since=0)
    forbidden = _changes(proxy, since=0)

    assert (refused.status_code, json.loads(refused.content)["detail"]) == (
        401,
        "credential revoked; ask the instance administrator for a new one",
    )
    assert (forbidden.status_code, json.loads(forbidden.content)["detail"]) == (
        403,
        "credential lacks the 'feed:hashes' scope",
    )


def test_every_page_is_audited_with_the_span_it_covered(blocking: World, sharer: Consumer) -> None:
    confirmed_file(blocking, md5="1" * 32)

    _page(sharer, since=0)

    event = AuditEvent.objects.filter(action="feeds.pull").latest("pk")
    assert event.detail == {
        "feed": "hashes",
        "view": "changes",
        "since": 0,
        "serial": 1,
        "removed": 0,
        "added": 1,
    }
