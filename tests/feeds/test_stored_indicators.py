"""Each entry stores its STIX indicator's text when it is listed and when it leaves
(``Entry.stix_added``/``stix_revoked``, written by ``stix.stored_indicator``); TAXII pages join
those texts. ``stix.indicator`` (the object built as a dict) is the reference: the stored text,
expanded for any collection, is ``json.dumps`` of it, for every kind of entry, and the TAXII
pages and manifests built from stored text are those of the reference, filters included."""

from __future__ import annotations

import importlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from hotline.accounts.models import ApiCredential, Scope
from hotline.feeds import actions, queries, stix, taxii
from hotline.feeds.formats import timestamp
from hotline.feeds.models import Collection, Entry, EntryKind, FeedList, Tlp
from hotline.feeds.queries import FeedRecord, Version, VersionFilter
from hotline.matching import self_submitted
from hotline.matching.actions import remember_video_hash
from hotline.matching.vpdq.features import VpdqFeature
from tests.conftest import World
from tests.feeds.conftest import Consumer, confirmed_file, consumer, listed_page
from tests.matching.self_submissions import image, submit, video

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"
ADDED = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
STIX_ID = uuid.UUID("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")


@pytest.fixture
def every_kind(blocking: World) -> World:
    """An entry of every kind, on every list: pages (one lifted, one with a quote), a domain
    (lifted as well), a wallet, a merchant id, a phone number, files (hashes with PDQ, PDQ
    only, a video with its vPDQ frames), and self-reported images and videos, one request
    withdrawn."""
    page = listed_page("http://gallery.example.test/a.html?x=1", blocking)
    lifted = listed_page("http://gallery.example.test/b'quote.html", blocking)
    domain = actions.mark_domain_dedicated(
        "shop.example.test", reason="whole shop", acting_user=blocking.alice
    )
    assert page.item is not None
    actions.record_indicator(
        page.item,
        kind="crypto_wallet",
        value="bc1qexample0000000000000000000000000000000",
        network="réseau lightning",
        acting_user=blocking.alice,
    )
    actions.record_indicator(
        page.item, kind="merchant_id", value="MID-0001", acting_user=blocking.alice
    )
    actions.record_indicator(
        page.item, kind="phone", value="+44 7700 900123", acting_user=blocking.alice
    )
    confirmed_file(blocking, md5="1" * 32, sha256="2" * 64, pdq=PDQ, pdq_quality=90)
    confirmed_file(blocking, pdq="e" * 64)
    remember_video_hash(VIDEO_MD5, (VpdqFeature(0, 100, PDQ, 0.0),), actor=None)
    confirmed_file(blocking, md5=VIDEO_MD5)
    submit(image(), video())
    withdrawn = submit(image())
    actions.lift_entry(lifted, reason="content gone", acting_user=blocking.alice)
    actions.lift_entry(domain, reason="not dedicated after all", acting_user=blocking.alice)
    self_submitted.withdraw_self_submission(withdrawn.submission)
    return blocking


def _versions(entry: Entry) -> list[tuple[Version, str]]:
    """The entry's versions, each with the text stored for it."""
    record = queries.record_of(entry)
    found = [(Version(entry.added_serial, record, False), entry.stix_added)]
    if entry.removed_serial is not None:
        found.append((Version(entry.removed_serial, record, True), entry.stix_revoked))
    return found


def test_stored_text_expands_to_the_reference_indicator_of_every_kind(every_kind: World) -> None:
    """Catches a stored text that drifts from ``stix.indicator`` for any kind, list, TLP or
    revocation, or one left empty (or not) where it should be."""
    entries = list(Entry.objects.order_by("pk"))
    creator = stix.identity_id()
    published = {EntryKind.URL, EntryKind.DOMAIN, EntryKind.FILE, EntryKind.SELF_REPORTED_FILE}
    compared = set()

    for entry in entries:
        for version, stored in _versions(entry):
            if entry.kind not in published:
                assert stored == ""
                with pytest.raises(ValueError, match="not published as STIX"):
                    stix.indicator(version, tlp=Tlp.CLEAR)
                continue
            for tlp in Tlp:
                reference = stix.indicator(version, tlp=tlp, creator=creator)

                expanded = stix.expand(stored, feed_list=entry.feed_list, tlp=tlp, creator=creator)

                assert expanded == json.dumps(reference)
            assert stix.stored_id(stored) == reference["id"]
            assert stix.stored_version(stored) == reference["modified"]
            compared.add((entry.kind, version.revoked, "x_vpdq" in reference))

    assert {kind for kind, _, _ in compared} == published
    assert {e.kind for e in entries} == set(EntryKind)  # every kind the lists know
    assert (EntryKind.FILE, False, True) in compared  # a video with its frames
    assert (EntryKind.SELF_REPORTED_FILE, False, True) in compared
    assert {(EntryKind.URL, True), (EntryKind.DOMAIN, True)} <= {(k, r) for k, r, _ in compared}
    assert (EntryKind.SELF_REPORTED_FILE, True, False) in compared  # the withdrawn request


def test_revocation_in_the_same_millisecond_is_stored_one_millisecond_later() -> None:
    """Catches the stored version (``modified``) taken from the removal moment when it does
    not follow the addition by a millisecond."""
    record = FeedRecord(
        1,
        EntryKind.URL,
        'http://gallery.example.test/a"quote\\é.html',
        "0" * 64,
        {},
        STIX_ID,
        1,
        ADDED,
        2,
        ADDED.replace(microsecond=123999),
        "lifted",
    )
    version = Version(2, record, True)

    stored = stix.stored_indicator(version)

    assert stix.stored_version(stored) == "2026-03-01T12:00:00.124Z"
    assert stix.expand(
        stored, feed_list=FeedList.BLOCKLIST, tlp=Tlp.RED, creator="identity--x"
    ) == json.dumps(stix.indicator(version, tlp=Tlp.RED, creator="identity--x"))


def test_version_rows_read_back_the_stored_text_and_moment(every_kind: World) -> None:
    """Catches this engine's timestamp text read wrongly, or an addition and a revocation
    swapped, when pages are read from the database."""
    for feed_list in (FeedList.BLOCKLIST, FeedList.HASHES, FeedList.SELF_REPORTED):
        expected = sorted(
            (
                (version.key, timestamp(version.date_added), stored)
                for entry in Entry.objects.filter(feed_list=feed_list)
                for version, stored in _versions(entry)
            ),
            key=lambda row: row[0],
        )

        rows = queries.version_rows(feed_list, VersionFilter(versions="all"), limit=100)

        assert [(key, queries.db_time(added), text) for key, added, text in rows] == expected


def test_migration_renders_the_entries_listed_before_it(every_kind: World) -> None:
    """Catches the data step of migration 0005 leaving an entry without its text, or writing
    one that differs from what the actions write."""
    written = list(Entry.objects.order_by("pk").values_list("stix_added", "stix_revoked"))
    Entry.objects.update(stix_added="", stix_revoked="")
    migration = importlib.import_module("hotline.feeds.migrations.0005_stored_indicators")

    migration.render_stored_indicators(apps, None)

    assert list(Entry.objects.order_by("pk").values_list("stix_added", "stix_revoked")) == written
    assert (
        sum(1 for added, _ in written if added)
        == Entry.objects.exclude(
            kind__in=[EntryKind.PHONE, EntryKind.MERCHANT_ID, EntryKind.CRYPTO_WALLET]
        ).count()
    )


# --- TAXII pages of stored text against the reference ----------------------------------------


def _reader() -> Consumer:
    reader = consumer("Partner", Scope.FEED_TAXII, kind="industry")
    credential = ApiCredential.objects.get(organisation=reader.organisation)
    for collection in Collection.objects.all():
        actions.subscribe(credential, collection, acting_user=None)
    return reader


def _walk(reader: Consumer, name: str, collection: Collection, **params: Any) -> list[Any]:
    """Every object (or manifest record) of the collection, page by page (two per page)."""
    client, headers = reader.client()
    url = reverse(name, kwargs={"collection_id": collection.pk})
    found: list[Any] = []
    after: dict[str, str] = {}
    while True:
        response = client.get(url, {**params, **after, "limit": "2"}, HTTP_ACCEPT=TAXII, **headers)
        assert response.status_code == 200, response.content
        body = json.loads(response.content)
        assert response.content == json.dumps(body).encode()  # json.dumps's bytes exactly
        found += body.get("objects", [])
        if not body["more"]:
            return found
        after = {"next": body["next"]}


def _reference(collection: Collection, keep: Any) -> list[tuple[Version, dict[str, Any]]]:
    versions = sorted(
        (
            version
            for entry in Entry.objects.filter(feed_list=collection.feed_list)
            for version, _ in _versions(entry)
        ),
        key=lambda version: version.key,
    )
    creator = stix.identity_id()
    return [
        (v, stix.indicator(v, tlp=collection.tlp, creator=creator)) for v in versions if keep(v)
    ]


def _live(version: Version) -> bool:
    return version.revoked or version.record.removed_serial is None


def test_pages_of_stored_text_are_the_reference_objects_and_manifest(every_kind: World) -> None:
    """Catches a page or manifest built from stored text that differs from the reference
    objects (order, versions, marking of the collection, dates), on any collection."""
    reader = _reader()
    Collection.objects.filter(feed_list=FeedList.HASHES).update(tlp=Tlp.GREEN)
    for collection in Collection.objects.all():
        reference = _reference(collection, _live)

        objects = _walk(reader, "api_feeds_taxii_objects", collection)
        manifest = _walk(
            reader, "api_feeds_taxii_manifest", collection, **{"match[type]": "indicator"}
        )

        statics = objects[: len(objects) - len(reference)]
        assert {obj["type"] for obj in statics} <= {
            "identity",
            "marking-definition",
            "extension-definition",
        }
        assert objects[len(statics) :] == [obj for _, obj in reference]
        assert statics[1]["id"] == stix.TLP_IDS[Tlp(collection.tlp)]
        assert manifest == [
            {
                "id": obj["id"],
                "date_added": timestamp(version.date_added),
                "version": obj["modified"],
                "media_type": stix.MEDIA_TYPE,
            }
            for version, obj in reference
        ]


@pytest.mark.parametrize(
    "name", ["all", "first", "id", "stamp", "added_after", "spec_version", "spec_version_other"]
)
def test_filters_on_stored_pages_select_what_the_reference_selects(
    every_kind: World, name: str
) -> None:
    """Catches a filter (``match[version|id|spec_version]``, ``added_after``) that selects
    other versions on pages of stored text than on the reference indicators."""
    reader = _reader()
    collection = Collection.objects.get(feed_list=FeedList.BLOCKLIST)
    lifted = Entry.objects.get(kind=EntryKind.URL, removed_serial__isnull=False)
    revoked_stamp = stix.version_stamp(
        Version(lifted.removed_serial or 0, queries.record_of(lifted), True)
    )
    third = Entry.objects.filter(feed_list=FeedList.BLOCKLIST).order_by("added_serial")[2]
    cases: dict[str, tuple[dict[str, str], Any]] = {
        "all": ({"match[version]": "all"}, lambda v: True),
        "first": ({"match[version]": "first"}, lambda v: not v.revoked),
        "id": (
            {"match[id]": f"indicator--{lifted.stix_id}", "match[version]": "all"},
            lambda v: v.record.stix_id == lifted.stix_id,
        ),
        "stamp": (
            {"match[version]": revoked_stamp},
            lambda v: stix.version_stamp(v) == revoked_stamp,
        ),
        "added_after": (
            {"added_after": timestamp(third.added_at)},
            lambda v: _live(v) and v.date_added > third.added_at,
        ),
        "spec_version": ({"match[spec_version]": "2.1"}, _live),
        "spec_version_other": ({"match[spec_version]": "2.0"}, lambda v: False),
    }
    params, keep = cases[name]
    expected = [obj for _, obj in _reference(collection, keep)]

    objects = _walk(
        reader, "api_feeds_taxii_objects", collection, **{"match[type]": "indicator", **params}
    )

    assert expected or name == "spec_version_other"
    assert objects == expected


def test_a_page_goes_to_the_server_in_slices_that_make_its_body(
    every_kind: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches slices that lose or repeat bytes, or a page sent without its length (waitress
    would fall back to chunked transfer)."""
    monkeypatch.setattr(taxii.SlicedResponse, "SLICE", 1000)
    client, headers = _reader().client()
    collection = Collection.objects.get(feed_list=FeedList.BLOCKLIST)
    url = reverse("api_feeds_taxii_objects", kwargs={"collection_id": collection.pk})

    response = client.get(url, {"match[version]": "all"}, HTTP_ACCEPT=TAXII, **headers)
    slices = list(response)

    assert len(slices) == -(-len(response.content) // 1000) > 1
    assert b"".join(slices) == response.content
    assert response["Content-Length"] == str(len(response.content))
