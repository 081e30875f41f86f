from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.actions import revoke_credential
from hotline.accounts.models import ApiCredential, Scope
from hotline.audit.models import AuditEvent
from hotline.feeds import actions
from hotline.feeds.models import Collection, Entry
from hotline.takedown.actions import confirm_removed
from tests.conftest import World, skip_unless_ci
from tests.feeds.conftest import Consumer, confirmed_file, consumer, listed_page

BLOCKLIST = uuid.UUID("99507c8a-2614-4a65-8ea7-8495158113f0")
HASHES = uuid.UUID("d5493cf0-795f-4917-be5f-98cd167b76cf")
MEDIA_TYPE = "application/taxii+json;version=2.1"
TLP_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"


def _reader(*aliases: str, name: str = "Partner ISP") -> Consumer:
    reader = consumer(name, Scope.FEED_TAXII)
    credential = ApiCredential.objects.get(organisation=reader.organisation)
    for alias in aliases:
        actions.subscribe(credential, Collection.objects.get(alias=alias), acting_user=None)
    return reader


def _blocklist_history(world: World) -> dict[str, Entry]:
    """Serial 1: page a; 2: page b; 3: domain; 4: page a removed."""
    a = listed_page("http://gallery.example.test/a.html", world)
    b = listed_page("http://gallery.example.test/b'quote.html", world)
    domain = actions.mark_domain_dedicated(
        "shop.example.test", reason="whole shop", acting_user=world.alice
    )
    confirm_removed(a.item, source="test")  # type: ignore[arg-type]
    return {"a": a, "b": b, "domain": domain}


def _validate(objects: list[dict[str, Any]]) -> list[str]:
    """Every error and warning stix2-validator finds in the objects."""
    try:
        from stix2validator import ValidationOptions, validate_instance
    except ImportError:
        skip_unless_ci("stix2-validator is not installed (a dev dependency)")
    problems = []
    for obj in objects:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        problems += [str(e) for e in result.errors] + [str(w) for w in result.warnings]
    return problems


def _taxii(who: Consumer, name: str, *, accept: str = MEDIA_TYPE, **kwargs: Any) -> Any:
    client, headers = who.client()
    params = kwargs.pop("params", {})
    return client.get(reverse(name, kwargs=kwargs), params, HTTP_ACCEPT=accept, **headers)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_taxii2_client_pages_through_a_collection_of_valid_stix(
    blocking: World, live_server: Any
) -> None:
    try:
        from taxii2client.common import TokenAuth
        from taxii2client.v21 import Server, as_pages
    except ImportError:
        skip_unless_ci("taxii2-client is not installed (a dev dependency)")

    history = _blocklist_history(blocking)
    reader = _reader("blocklist")

    server = Server(f"{live_server.url}/api/v1/taxii2/", auth=TokenAuth(reader.token))
    (root,) = server.api_roots
    (collection,) = root.collections
    pages = list(as_pages(collection.get_objects, per_request=2))
    objects = [obj for page in pages for obj in page.get("objects", [])]

    assert (server.title, collection.id, collection.can_read) == (
        "Hotline TAXII",
        str(BLOCKLIST),
        True,
    )
    assert [len(page.get("objects", [])) for page in pages] == [2, 2, 1]
    assert [obj["type"] for obj in objects] == [
        "identity",
        "marking-definition",
        "indicator",
        "indicator",
        "indicator",
    ]
    indicators = [obj for obj in objects if obj["type"] == "indicator"]
    assert [(obj["pattern"], obj.get("revoked", False)) for obj in indicators] == [
        ("[url:value = 'http://gallery.example.test/b\\'quote.html']", False),
        ("[domain-name:value = 'shop.example.test']", False),
        ("[url:value = 'http://gallery.example.test/a.html']", True),  # left: revoked
    ]
    assert indicators[2]["id"] == f"indicator--{history['a'].stix_id}"
    assert {tuple(obj.get("object_marking_refs", [])) for obj in indicators} == {
        (TLP_AMBER_STRICT,)
    }
    assert _validate(objects) == []


@pytest.mark.django_db
def test_collection_holds_its_identity_marking_and_pdq_extension(blocking: World) -> None:
    confirmed_file(blocking, md5="1" * 32, sha256="2" * 64, pdq="f" * 64, pdq_quality=90)
    confirmed_file(blocking, pdq="e" * 64)
    reader = _reader("hashes")

    body = json.loads(_taxii(reader, "api_feeds_taxii_objects", collection_id=HASHES).content)

    types = [obj["type"] for obj in body["objects"]]
    indicators = [obj for obj in body["objects"] if obj["type"] == "indicator"]
    assert types == [
        "identity",
        "marking-definition",
        "extension-definition",
        "extension-definition",
        "indicator",
        "indicator",
    ]
    assert [(i["pattern"], i["x_pdq"], i["labels"]) for i in indicators] == [
        (
            f"[file:hashes.MD5 = '{'1' * 32}' OR file:hashes.'SHA-256' = '{'2' * 64}']",
            "f" * 64,
            ["category:baseline"],
        ),
        (f"[file:hashes.PDQ = '{'e' * 64}']", "e" * 64, ["category:baseline"]),
    ]
    assert _validate(body["objects"]) == []


@pytest.mark.django_db
def test_consumer_sees_only_its_collections(blocking: World) -> None:
    _blocklist_history(blocking)
    reader = _reader("hashes")

    listing = json.loads(_taxii(reader, "api_feeds_taxii_collections").content)
    other = _taxii(reader, "api_feeds_taxii_objects", collection_id=BLOCKLIST)
    nothing = json.loads(
        _taxii(_reader(name="Unsubscribed ISP"), "api_feeds_taxii_collections").content
    )

    assert [c["alias"] for c in listing["collections"]] == ["hashes"]
    assert (other.status_code, other["Content-Type"]) == (404, MEDIA_TYPE)
    assert json.loads(other.content) == {
        "title": "Not found",
        "http_status": "404",
        "description": "No such collection for this credential: list /collections/ to see yours.",
    }
    assert nothing == {}


@pytest.mark.django_db
def test_added_after_gives_only_what_changed_since(blocking: World) -> None:
    history = _blocklist_history(blocking)
    reader = _reader("blocklist")
    domain = Entry.objects.get(pk=history["domain"].pk)
    after = domain.added_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    response = _taxii(
        reader,
        "api_feeds_taxii_objects",
        collection_id=BLOCKLIST,
        params={"added_after": after},
    )

    body = json.loads(response.content)
    assert [(o["id"], o.get("revoked", False)) for o in body["objects"]] == [
        (f"indicator--{history['a'].stix_id}", True)
    ]
    removed_at = Entry.objects.get(pk=history["a"].pk).removed_at
    assert removed_at is not None
    stamp = removed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (response["X-TAXII-Date-Added-First"], response["X-TAXII-Date-Added-Last"]) == (
        stamp,
        stamp,
    )


@pytest.mark.django_db
def test_versions_manifest_and_match_filters_of_a_revoked_indicator(blocking: World) -> None:
    history = _blocklist_history(blocking)
    reader = _reader("blocklist")
    object_id = f"indicator--{history['a'].stix_id}"

    versions = json.loads(
        _taxii(
            reader, "api_feeds_taxii_versions", collection_id=BLOCKLIST, object_id=object_id
        ).content
    )
    last = json.loads(
        _taxii(
            reader, "api_feeds_taxii_object", collection_id=BLOCKLIST, object_id=object_id
        ).content
    )
    first = json.loads(
        _taxii(
            reader,
            "api_feeds_taxii_object",
            collection_id=BLOCKLIST,
            object_id=object_id,
            params={"match[version]": "first"},
        ).content
    )
    manifest = json.loads(
        _taxii(
            reader,
            "api_feeds_taxii_manifest",
            collection_id=BLOCKLIST,
            params={"match[type]": "indicator", "match[version]": "all", "match[id]": object_id},
        ).content
    )

    assert len(versions["versions"]) == 2
    assert [o.get("revoked", False) for o in last["objects"]] == [True]
    assert [o.get("revoked", False) for o in first["objects"]] == [False]
    assert [o["modified"] for o in first["objects"] + last["objects"]] == versions["versions"]
    assert [(m["id"], m["version"], m["media_type"]) for m in manifest["objects"]] == [
        (object_id, versions["versions"][0], "application/stix+json;version=2.1"),
        (object_id, versions["versions"][1], "application/stix+json;version=2.1"),
    ]


@pytest.mark.django_db
def test_every_taxii_pull_is_audited(blocking: World) -> None:
    _blocklist_history(blocking)
    reader = _reader("blocklist")

    _taxii(reader, "api_feeds_taxii_objects", collection_id=BLOCKLIST, params={"limit": "3"})

    event = AuditEvent.objects.filter(action="feeds.pull").get()
    assert event.detail == {
        "feed": "taxii",
        "endpoint": "objects",
        "collection": "blocklist",
        "returned": 3,
        "more": True,
        "added_after": "",
    }


# --- bad input -------------------------------------------------------------------------------


def _error(response: Any) -> tuple[int, str, dict[str, str]]:
    return response.status_code, response["Content-Type"], json.loads(response.content)


@pytest.mark.django_db
def test_revoked_credential_gets_a_taxii_error(blocking: World) -> None:
    reader = _reader("blocklist")
    revoke_credential(ApiCredential.objects.get(organisation=reader.organisation), acting_user=None)

    response = _taxii(reader, "api_feeds_taxii_collections")

    assert _error(response) == (
        401,
        MEDIA_TYPE,
        {
            "title": "Not authorised",
            "http_status": "401",
            "description": "credential revoked; ask the instance administrator for a new one",
            "error_code": "revoked",
        },
    )


@pytest.mark.django_db
def test_credential_without_the_taxii_scope_is_forbidden(world: World) -> None:
    isp = Consumer(world.isp, world.feed_token)

    response = _taxii(isp, "api_feeds_taxii_discovery")

    assert _error(response) == (
        403,
        MEDIA_TYPE,
        {
            "title": "Not authorised",
            "http_status": "403",
            "description": "credential lacks the 'feed:taxii' scope",
            "error_code": "insufficient_scope",
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "description"),
    [
        (
            {"added_after": "yesterday"},
            "added_after must be an RFC 3339 timestamp with a time zone, such as"
            " 2026-01-31T12:00:00.000Z; got 'yesterday'",
        ),
        (
            {"added_after": "2026-01-31T12:00:00"},
            "added_after must be an RFC 3339 timestamp with a time zone, such as"
            " 2026-01-31T12:00:00.000Z; got '2026-01-31T12:00:00'",
        ),
        (
            {"added_after": "2026-02-31T12:00:00Z"},
            "added_after is not a real date and time: '2026-02-31T12:00:00Z'",
        ),
        ({"limit": "0"}, "limit must be a whole number of at least 1; got '0'"),
        ({"next": "abc"}, "next must be the value of 'next' from the previous page, unchanged"),
    ],
)
def test_malformed_filters_get_a_taxii_error_saying_what_to_send(
    blocking: World, params: dict[str, str], description: str
) -> None:
    reader = _reader("blocklist")

    response = _taxii(reader, "api_feeds_taxii_objects", collection_id=BLOCKLIST, params=params)

    assert _error(response) == (
        400,
        MEDIA_TYPE,
        {"title": "Bad filter", "http_status": "400", "description": description},
    )


@pytest.mark.django_db
def test_unacceptable_media_type_is_refused(blocking: World) -> None:
    reader = _reader("blocklist")

    response = _taxii(reader, "api_feeds_taxii_discovery", accept="application/xml")

    assert _error(response)[:2] == (406, MEDIA_TYPE)


@pytest.mark.django_db
def test_no_credential_is_told_how_to_send_one(blocking: World) -> None:
    response = Client().get(reverse("api_feeds_taxii_discovery"), HTTP_ACCEPT=MEDIA_TYPE)

    assert _error(response) == (
        401,
        MEDIA_TYPE,
        {
            "title": "Credential required",
            "http_status": "401",
            "description": "Send 'Authorization: Bearer <token>'.",
            "error_code": "missing",
        },
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="hotline-taxii"'
