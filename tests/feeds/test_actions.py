from __future__ import annotations

import pytest

from hotline.audit.models import AuditEvent
from hotline.cases.actions import Verdict, assess_item
from hotline.feeds import actions, queries
from hotline.feeds.models import Entry, FeedList, RemovalReason
from hotline.feeds.values import InvalidValue
from hotline.matching.models import HashEntry
from hotline.routing.models import JurisdictionProfile, Referral, ReferralStatus
from hotline.takedown.actions import confirm_removed
from tests.conftest import World
from tests.feeds.conftest import BASELINE, confirmed_file, listed_page
from tests.routing.factories import hosted_item

pytestmark = pytest.mark.django_db


def _live(feed_list: str = FeedList.BLOCKLIST) -> list[tuple[str, str]]:
    serial = queries.current_serial(feed_list)
    return [(r.kind, r.value) for r in queries.records(queries.live_at(feed_list, serial))]


def test_assessed_page_at_home_goes_on_the_blocklist_and_the_referral_is_sent(
    blocking: World,
) -> None:
    entry = listed_page("http://Gallery.Example.TEST/a/../b.html?id=1#top", blocking)

    referral = Referral.objects.get(item=entry.item, destination="blocklist")
    assert (entry.kind, entry.value, entry.added_serial) == (
        "url",
        "http://gallery.example.test/b.html?id=1",
        1,
    )
    assert referral.status == ReferralStatus.SENT
    assert referral.sent_at is not None
    assert queries.current_serial(FeedList.BLOCKLIST) == 1
    assert AuditEvent.objects.filter(action="feeds.entry.add").count() == 1


def test_page_value_hash_is_the_safe_browsing_full_hash_of_its_expression(
    blocking: World,
) -> None:
    from hotline.hosting.canonical import expression_hashes

    entry = listed_page("http://gallery.example.test/b.html?id=1", blocking)

    first = expression_hashes(entry.value)[0]
    assert (first.expression, first.sha256_hex) == (
        "gallery.example.test/b.html?id=1",
        entry.value_hash,
    )


def test_routing_twice_lists_the_page_once(blocking: World) -> None:
    from hotline.routing.actions import route_item

    entry = listed_page("http://gallery.example.test/1", blocking)

    route_item(entry.item)  # type: ignore[arg-type]

    assert Entry.objects.count() == 1
    assert queries.current_serial(FeedList.BLOCKLIST) == 1


def test_page_is_not_listed_where_the_law_does_not_allow_blocking(blocking: World) -> None:
    JurisdictionProfile.objects.filter(country="FR").update(blocking_allowed=False)
    item = hosted_item("http://gallery.example.test/2", country="FR")

    assess_item(item, BASELINE, acting_user=blocking.alice)

    assert Entry.objects.count() == 0


def test_not_illegal_page_is_not_listed(blocking: World, settings: object) -> None:
    settings.FOUR_EYES = []  # type: ignore[attr-defined]
    item = hosted_item("http://gallery.example.test/3", country="FR")

    assess_item(item, Verdict(legality="not_illegal"), acting_user=blocking.alice)

    assert Entry.objects.count() == 0


def test_confirmed_removal_takes_the_page_off_and_closes_the_referral(blocking: World) -> None:
    entry = listed_page("http://gallery.example.test/4", blocking)

    confirm_removed(entry.item, source="liveness checks")  # type: ignore[arg-type]

    entry.refresh_from_db()
    referral = Referral.objects.get(item=entry.item, destination="blocklist")
    assert (entry.removed_serial, entry.removal_reason) == (2, RemovalReason.CONTENT_REMOVED)
    assert referral.status == ReferralStatus.CLOSED
    assert _live() == []
    assert AuditEvent.objects.filter(action="feeds.entry.remove").count() == 1


def test_lifting_needs_a_reason(blocking: World) -> None:
    entry = listed_page("http://gallery.example.test/5", blocking)

    with pytest.raises(actions.NotAllowed, match="needs a reason"):
        actions.lift_entry(entry, reason="  ", acting_user=blocking.alice)

    assert queries.current_serial(FeedList.BLOCKLIST) == 1


def test_lifting_takes_the_entry_off_with_the_reason_audited(blocking: World) -> None:
    entry = listed_page("http://gallery.example.test/6", blocking)

    lifted = actions.lift_entry(entry, reason="court order 12/2026", acting_user=blocking.alice)
    again = actions.lift_entry(entry, reason="twice", acting_user=blocking.alice)

    event = AuditEvent.objects.get(action="feeds.entry.remove")
    assert (lifted, again) == (True, False)
    assert (event.actor, event.detail["reason"], event.detail["note"]) == (
        "user:alice",
        "lifted",
        "court order 12/2026",
    )
    assert queries.current_serial(FeedList.BLOCKLIST) == 2


def test_page_back_after_lifting_is_a_new_entry_with_a_new_serial(blocking: World) -> None:
    entry = listed_page("http://gallery.example.test/7", blocking)
    actions.lift_entry(entry, reason="mistake", acting_user=blocking.alice)

    again = actions.list_page(entry.item)  # type: ignore[arg-type]

    assert (again.pk != entry.pk, again.added_serial, again.stix_id != entry.stix_id) == (
        True,
        3,
        True,
    )


def test_dedicated_domain_is_normalised_and_listed_with_its_reason(blocking: World) -> None:
    entry = actions.mark_domain_dedicated(
        "Shop.Example.TEST.", reason="whole shop sells material", acting_user=blocking.alice
    )

    assert (entry.kind, entry.value, entry.note, entry.attributes) == (
        "domain",
        "shop.example.test",
        "whole shop sells material",
        {"marked_by": "alice"},
    )
    assert _live() == [("domain", "shop.example.test")]


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("test", "public suffix"),
        ("192.0.2.7", "IP address"),
        ("http://shop.example.test/x", "only the domain name"),
        ("bad_label-.example.test", "not a valid domain name"),
        ("", "Enter a domain name"),
    ],
)
def test_dedicated_domain_refuses_what_cannot_be_blocked_whole(
    blocking: World, domain: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        actions.mark_domain_dedicated(domain, reason="r", acting_user=blocking.alice)

    assert Entry.objects.count() == 0


def test_dedicated_domain_needs_blocking_to_be_lawful(blocking: World) -> None:
    JurisdictionProfile.objects.filter(country="FR").update(blocking_allowed=False)

    with pytest.raises(actions.NotAllowed, match="not allowed in our jurisdiction"):
        actions.mark_domain_dedicated("shop.example.test", reason="r", acting_user=blocking.alice)


def test_dedicated_domain_twice_is_refused(blocking: World) -> None:
    actions.mark_domain_dedicated("shop.example.test", reason="r", acting_user=blocking.alice)

    with pytest.raises(actions.NotAllowed, match="already blocked"):
        actions.mark_domain_dedicated("shop.example.test", reason="r", acting_user=blocking.alice)


def test_dedicated_domain_survives_removal_of_a_page_on_it(blocking: World) -> None:
    entry = listed_page("http://shop.example.test/item/9", blocking)
    actions.mark_domain_dedicated("shop.example.test", reason="r", acting_user=blocking.alice)

    confirm_removed(entry.item, source="liveness checks")  # type: ignore[arg-type]

    assert _live() == [("domain", "shop.example.test")]


def test_phone_number_is_recorded_in_e164_on_the_phone_list(blocking: World) -> None:
    page = listed_page("http://gallery.example.test/8", blocking)

    entry = actions.record_indicator(
        page.item,  # type: ignore[arg-type]
        kind="phone",
        value="0044 (0)7700-900 123".replace("(0)", ""),
        acting_user=blocking.alice,
    )

    assert (entry.feed_list, entry.value, entry.added_serial) == ("phone", "+447700900123", 1)
    assert _live(FeedList.PHONE) == [("phone", "+447700900123")]


def test_payment_identifiers_keep_their_network(blocking: World) -> None:
    page = listed_page("http://gallery.example.test/9", blocking)

    actions.record_indicator(
        page.item,  # type: ignore[arg-type]
        kind="merchant_id",
        value="MID-000123",
        network="Example Card Scheme",
        acting_user=blocking.alice,
    )
    actions.record_indicator(
        page.item,  # type: ignore[arg-type]
        kind="crypto_wallet",
        value="0xAbCdEf0000000000000000000000000000000001",
        network="ethereum",
        acting_user=blocking.alice,
    )

    entries = Entry.objects.filter(feed_list="payment").order_by("added_serial")
    assert [(e.kind, e.value, e.attributes) for e in entries] == [
        ("merchant_id", "MID-000123", {"network": "example card scheme"}),
        ("crypto_wallet", "0xabcdef0000000000000000000000000000000001", {"network": "ethereum"}),
    ]


def test_indicators_need_an_item_assessed_as_illegal(blocking: World) -> None:
    item = hosted_item("http://gallery.example.test/10", country="FR")

    with pytest.raises(actions.NotAllowed, match="finally assessed as illegal"):
        actions.record_indicator(
            item, kind="phone", value="+447700900123", acting_user=blocking.alice
        )


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "12345"),
        ("phone", "+0447700900123"),
        ("crypto_wallet", "short"),
        ("merchant_id", "has space"),
    ],
)
def test_malformed_indicators_are_refused(blocking: World, kind: str, value: str) -> None:
    page = listed_page("http://gallery.example.test/11", blocking)

    with pytest.raises(InvalidValue):
        actions.record_indicator(page.item, kind=kind, value=value, acting_user=blocking.alice)  # type: ignore[arg-type]

    assert Entry.objects.exclude(feed_list="blocklist").count() == 0


def test_confirmed_file_goes_on_the_hash_list_and_the_own_matching_list(blocking: World) -> None:
    item = confirmed_file(blocking, md5="1" * 32, sha256="2" * 64, pdq="f" * 64, pdq_quality=90)

    entry = Entry.objects.get(item=item)
    assert (entry.feed_list, entry.kind, entry.value) == ("hashes", "file", "2" * 64)
    assert entry.attributes == {
        "sha256": "2" * 64,
        "md5": "1" * 32,
        "pdq": "f" * 64,
        "pdq_quality": 90,
        "category": "baseline",
        "severity": "inhope:baseline",
    }
    assert HashEntry.objects.filter(value="1" * 32).count() == 1  # matching's own list too
    assert Referral.objects.get(item=item, destination="hashlist").status == ReferralStatus.CLOSED


def test_every_change_raises_the_serial_by_one(blocking: World) -> None:
    first = listed_page("http://gallery.example.test/12", blocking)
    second = listed_page("http://gallery.example.test/13", blocking)
    actions.lift_entry(first, reason="r", acting_user=blocking.alice)
    confirm_removed(second.item, source="test")  # type: ignore[arg-type]

    changes = sorted(
        list(Entry.objects.values_list("added_serial", flat=True))
        + [s for s in Entry.objects.values_list("removed_serial", flat=True) if s]
    )
    assert changes == [1, 2, 3, 4]
