from __future__ import annotations

import csv
import io
import json
from typing import Any

import dns.zone
import pytest
from django.core.management import call_command
from django.urls import reverse

from hotline.accounts.actions import revoke_credential
from hotline.accounts.models import ApiCredential, Scope
from hotline.audit.models import AuditEvent
from hotline.feeds import actions
from hotline.feeds.models import Entry
from hotline.matching.formats import HashRecord, get_format
from hotline.matching.own_list import own_list_name
from hotline.takedown.actions import confirm_removed
from tests.conftest import World
from tests.feeds.conftest import Consumer, confirmed_file, consumer, listed_page

pytestmark = pytest.mark.django_db

PAGE = "http://gallery.example.test/b.html?id=1"


def _get(who: Consumer, name: str, **params: Any) -> Any:
    client, headers = who.client()
    return client.get(reverse(name), params, **headers)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _json(response: Any) -> Any:
    document = json.loads(_body(response))
    document.pop("generated_at")
    return document


@pytest.fixture
def proxy(blocking: World) -> Consumer:
    return consumer("Proxy ISP", Scope.FEED_URLS)


@pytest.fixture
def listed(blocking: World) -> tuple[Entry, Entry]:
    page = listed_page(PAGE, blocking)
    domain = actions.mark_domain_dedicated(
        "shop.example.test", reason="whole shop", acting_user=blocking.alice
    )
    return page, domain


def test_url_list_in_json_names_each_entry_with_its_expression(
    proxy: Consumer, listed: tuple[Entry, Entry]
) -> None:
    page, domain = listed

    response = _get(proxy, "api_feeds_urls")

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert _json(response) == {
        "feed": "urls",
        "list": "blocklist",
        "serial": 2,
        "hashed": False,
        "entries": [
            {
                "type": "url",
                "value": PAGE,
                "expression": "gallery.example.test/b.html?id=1",
                "serial": 1,
                "added_at": page.added_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
            {
                "type": "domain",
                "value": "shop.example.test",
                "expression": "shop.example.test/",
                "serial": 2,
                "added_at": domain.added_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        ],
        "count": 2,
    }
    assert (response["ETag"], response["X-Hotline-Serial"]) == ('"urls-2-json"', "2")


def test_hashed_url_list_holds_only_the_sha256_of_each_expression(
    proxy: Consumer, listed: tuple[Entry, Entry]
) -> None:
    import hashlib

    response = _get(proxy, "api_feeds_urls", hashed="1", format="text")

    lines = _body(response).decode().splitlines()
    assert lines[0].startswith("# hotline feed=urls serial=2 hashed=yes generated=")
    assert lines[1:] == [
        f"url\t{hashlib.sha256(b'gallery.example.test/b.html?id=1').hexdigest()}",
        f"domain\t{hashlib.sha256(b'shop.example.test/').hexdigest()}",
    ]
    assert "gallery" not in _body(response).decode()


def test_url_list_at_an_earlier_serial_is_the_list_as_it_was(
    proxy: Consumer, listed: tuple[Entry, Entry]
) -> None:
    response = _get(proxy, "api_feeds_urls", serial="1", format="text")

    assert _body(response).decode().splitlines()[1:] == [f"url\t{PAGE}"]


def test_url_delta_lists_removals_then_additions(
    proxy: Consumer, listed: tuple[Entry, Entry], blocking: World
) -> None:
    page, _ = listed
    confirm_removed(page.item, source="test")  # type: ignore[arg-type]
    actions.mark_domain_dedicated("other.example.test", reason="r", acting_user=blocking.alice)

    document = _json(_get(proxy, "api_feeds_urls_delta", since="1", hashed="1"))
    text = _body(_get(proxy, "api_feeds_urls_delta", since="1", format="text")).decode()

    assert (document["from_serial"], document["serial"]) == (1, 4)
    assert [(e["type"], e["serial"]) for e in document["removed"]] == [("url", 1)]
    assert [(e["type"], e["serial"]) for e in document["added"]] == [("domain", 2), ("domain", 4)]
    assert (document["removed_count"], document["added_count"]) == (1, 2)
    assert text.splitlines()[1:] == [
        f"-url\t{PAGE}",
        "+domain\tshop.example.test",
        "+domain\tother.example.test",
    ]


def test_unchanged_list_answers_not_modified(proxy: Consumer, listed: tuple[Entry, Entry]) -> None:
    client, headers = proxy.client()

    response = client.get(reverse("api_feeds_urls"), HTTP_IF_NONE_MATCH='"urls-2-json"', **headers)

    assert (response.status_code, response["ETag"]) == (304, '"urls-2-json"')


def test_every_pull_is_audited_with_the_consumer_and_serial(
    proxy: Consumer, listed: tuple[Entry, Entry]
) -> None:
    _get(proxy, "api_feeds_urls", hashed="1")

    event = AuditEvent.objects.get(action="feeds.pull")
    credential = ApiCredential.objects.get(organisation=proxy.organisation)
    assert (event.actor, event.organisation) == (f"client:{credential.key_id}", "Proxy ISP")
    assert event.detail == {
        "feed": "urls",
        "view": "full",
        "serial": 2,
        "format": "json",
        "hashed": True,
        "not_modified": False,
    }


def test_payment_and_phone_feeds_each_serve_their_own_list(blocking: World) -> None:
    page = listed_page(PAGE, blocking)
    item = page.item
    assert item is not None
    actions.record_indicator(
        item,
        kind="crypto_wallet",
        value="bc1qexample0000000000000000000000000000000",
        network="bitcoin",
        acting_user=blocking.alice,
    )
    actions.record_indicator(
        item, kind="phone", value="+44 7700 900123", acting_user=blocking.alice
    )
    payments = consumer("Payment company", Scope.FEED_PAYMENT, kind="payment")
    mobile = consumer("Mobile operator", Scope.FEED_PHONE)

    payment_text = _body(_get(payments, "api_feeds_payment", format="text")).decode()
    phone_json = _json(_get(mobile, "api_feeds_phone"))
    wrong = _get(mobile, "api_feeds_payment")

    assert payment_text.splitlines()[1:] == [
        "crypto_wallet\tbc1qexample0000000000000000000000000000000\tbitcoin"
    ]
    assert [(e["type"], e["value"], e["serial"]) for e in phone_json["entries"]] == [
        ("phone", "+447700900123", 1)
    ]
    assert wrong.status_code == 403


def test_hash_list_in_csv_and_vics_carries_every_hash_with_its_category(
    blocking: World,
) -> None:
    item = confirmed_file(blocking, md5="1" * 32, sha1="3" * 40, sha256="2" * 64)
    entry = Entry.objects.get(item=item)
    sharer = consumer("Hash sharer", Scope.FEED_HASHES, kind="industry")

    csv_response = _get(sharer, "api_feeds_hashes")
    vics_response = _get(sharer, "api_feeds_hashes", format="vics")

    rows = list(csv.DictReader(io.StringIO(_body(csv_response).decode())))
    assert [(r["algorithm"], r["value"], r["category"], r["reference"]) for r in rows] == [
        ("sha256", "2" * 64, "baseline", f"indicator--{entry.stix_id}"),
        ("sha1", "3" * 40, "baseline", f"indicator--{entry.stix_id}"),
        ("md5", "1" * 32, "baseline", f"indicator--{entry.stix_id}"),
    ]
    parsed = list(get_format("vics").parse(io.BytesIO(_body(vics_response))))
    assert [(r.algorithm, r.value, r.category) for r in parsed if isinstance(r, HashRecord)] == [
        ("sha256", "2" * 64, "1"),
        ("sha1", "3" * 40, "1"),
        ("md5", "1" * 32, "1"),
    ]
    assert csv_response["Content-Disposition"] == 'attachment; filename="hotline-hashes-1.csv"'


def test_rpz_over_https_is_the_zone_with_both_triggers(
    world: World, listed: tuple[Entry, Entry]
) -> None:
    isp = Consumer(world.isp, world.feed_token)

    response = _get(isp, "api_feeds_rpz")

    zone = dns.zone.from_text(_body(response).decode(), origin="rpz.hotline.invalid.")
    assert (response.status_code, response["Content-Type"], response["ETag"]) == (
        200,
        "text/dns",
        '"rpz-2"',
    )
    assert sorted(n.to_text() for n in zone.nodes) == [
        "*.shop.example.test",
        "@",
        "shop.example.test",
    ]
    assert zone.get_soa().serial == 2


# --- bad input -------------------------------------------------------------------------------


def _problem(response: Any) -> tuple[int, str, str]:
    body = json.loads(response.content)
    return response.status_code, body["title"], body.get("detail", "")


def test_revoked_credential_is_refused_with_a_clear_reason(
    proxy: Consumer, listed: tuple[Entry, Entry]
) -> None:
    revoke_credential(ApiCredential.objects.get(organisation=proxy.organisation), acting_user=None)

    response = _get(proxy, "api_feeds_urls")

    assert _problem(response) == (
        401,
        "Not authorised",
        "credential revoked; ask the instance administrator for a new one",
    )
    assert response["Content-Type"] == "application/problem+json"


def test_credential_without_the_feed_scope_is_forbidden(world: World) -> None:
    isp = Consumer(world.isp, world.feed_token)  # feed:rpz only

    response = _get(isp, "api_feeds_urls")

    assert _problem(response) == (403, "Not authorised", "credential lacks the 'feed:urls' scope")


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        (
            "api_feeds_urls",
            {"serial": "9"},
            (
                404,
                "Unknown serial",
                "the blocklist list is at serial 2; serial 9 does not exist (ask for a serial"
                " you received, or for the full list)",
            ),
        ),
        (
            "api_feeds_urls_delta",
            {"since": "3"},
            (
                404,
                "Unknown serial",
                "the blocklist list is at serial 2; serial 3 does not exist (ask for a serial"
                " you received, or for the full list)",
            ),
        ),
        (
            "api_feeds_urls",
            {"serial": "-1"},
            (
                400,
                "Bad parameter",
                "serial must be a serial number (a whole number >= 0); got '-1'",
            ),
        ),
        (
            "api_feeds_urls_delta",
            {},
            (400, "Bad parameter", "since is required: the serial of the list you hold"),
        ),
        (
            "api_feeds_urls_delta",
            {"since": "2", "serial": "1"},
            (400, "Bad parameter", "since (2) must not be after serial (1)"),
        ),
        (
            "api_feeds_urls",
            {"format": "xml"},
            (400, "Bad parameter", "format must be one of json, text; got 'xml'"),
        ),
        (
            "api_feeds_urls",
            {"hashed": "maybe"},
            (400, "Bad parameter", "hashed must be 1 or 0; got 'maybe'"),
        ),
    ],
)
def test_bad_parameters_get_a_problem_saying_what_to_send(
    proxy: Consumer,
    listed: tuple[Entry, Entry],
    name: str,
    params: dict[str, str],
    expected: tuple[int, str, str],
) -> None:
    assert _problem(_get(proxy, name, **params)) == expected


def test_hashed_form_exists_only_for_urls(blocking: World) -> None:
    mobile = consumer("Mobile operator", Scope.FEED_PHONE)

    response = _get(mobile, "api_feeds_phone", hashed="1")

    assert _problem(response) == (400, "Bad parameter", "the phone feed has no hashed form")


def test_hash_list_cli_export_in_vics_writes_the_feeds_integer_categories(
    blocking: World,
) -> None:
    confirmed_file(blocking, md5="1" * 32, sha256="2" * 64)
    sharer = consumer("Hash sharer", Scope.FEED_HASHES, kind="industry")
    out = io.StringIO()

    call_command(
        "hashlist",
        "export",
        "--list",
        own_list_name(),
        "--format",
        "vics",
        stdout=out,
        stderr=io.StringIO(),
    )
    feed = json.loads(_body(_get(sharer, "api_feeds_hashes", format="vics")))

    def categories(document: dict[str, Any]) -> dict[str, Any]:
        return {
            (media.get("MD5") or media.get("SHA256")): (
                media["Category"],
                media["IsPrecategorized"],
            )
            for media in document["value"]
        }

    exported = categories(json.loads(out.getvalue()))
    assert exported == {"1" * 32: (1, True), "2" * 64: (1, True)}
    assert exported == categories(feed)
