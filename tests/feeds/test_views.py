from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.feeds.models import Entry, RemovalReason
from tests.conftest import World, signed_in
from tests.feeds.conftest import listed_page

pytestmark = pytest.mark.django_db


def test_blocklist_page_shows_serial_and_entries_and_is_audited(blocking: World) -> None:
    listed_page("http://gallery.example.test/view/1", blocking)

    response = signed_in(blocking.alice).get(reverse("feeds:blocklist"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "1 entry on the list at serial 1." in text
    assert "http://gallery.example.test/view/1" in text
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert AuditEvent.objects.filter(action="feeds.blocklist.view").count() == 1


def test_lifting_from_the_page_needs_a_reason(blocking: World) -> None:
    entry = listed_page("http://gallery.example.test/view/2", blocking)
    browser = signed_in(blocking.charlie)
    url = reverse("feeds:lift", kwargs={"pk": entry.pk})

    refused = browser.post(url, {"reason": ""})
    lifted = browser.post(url, {"reason": "mistaken classification, see case note"})

    entry.refresh_from_db()
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert lifted.status_code == 302
    assert lifted["Location"] == reverse("feeds:blocklist") + "?feed_list=blocklist"
    assert (entry.removal_reason, entry.removal_note) == (
        RemovalReason.LIFTED,
        "mistaken classification, see case note",
    )


def test_marking_a_domain_dedicated_from_the_page(blocking: World) -> None:
    browser = signed_in(blocking.alice)

    bad = browser.post(reverse("feeds:domains"), {"domain": "test", "reason": "r"})
    good = browser.post(
        reverse("feeds:domains"), {"domain": "Shop.Example.Test", "reason": "sells material"}
    )

    assert bad.status_code == 200
    assert "public suffix shared by many owners" in bad.content.decode()
    assert good.status_code == 302
    assert list(Entry.objects.values_list("kind", "value", "note")) == [
        ("domain", "shop.example.test", "sells material")
    ]


def test_recording_a_phone_number_for_an_item(blocking: World) -> None:
    page = listed_page("http://gallery.example.test/view/3", blocking)
    assert page.item is not None
    url = reverse("feeds:indicators", kwargs={"item_pk": page.item.pk})
    browser = signed_in(blocking.alice)

    bad = browser.post(url, {"kind": "phone", "value": "call me"})
    good = browser.post(url, {"kind": "phone", "value": "+44 7700 900456", "note": "in the footer"})
    shown = browser.get(url).content.decode()

    assert "international form with its country code" in bad.content.decode()
    assert good.status_code == 302
    assert "+447700900456" in shown
    assert list(Entry.objects.filter(feed_list="phone").values_list("value", "note")) == [
        ("+447700900456", "in the footer")
    ]


def test_indicators_for_an_item_not_assessed_illegal_are_refused(blocking: World) -> None:
    from tests.routing.factories import hosted_item

    item = hosted_item("http://gallery.example.test/view/4", country="FR")

    response = signed_in(blocking.alice).post(
        reverse("feeds:indicators", kwargs={"item_pk": item.pk}),
        {"kind": "phone", "value": "+44 7700 900456"},
    )

    assert (
        "indicators are recorded for items finally assessed as illegal" in response.content.decode()
    )
    assert Entry.objects.filter(feed_list="phone").count() == 0
