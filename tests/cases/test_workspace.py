"""The analyst's workspace: the item page's one severity scheme, the completeness rule, the
confirmation and next item after saving, an assessed item's verdict and history, the queue's
filters, counts and sort, and bulk confirmation of known-material matches."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases import actions
from hotline.cases.actions import Verdict
from hotline.cases.models import (
    Assessment,
    Channel,
    Concern,
    Confirmation,
    Item,
    ItemStatus,
)
from tests.conftest import World, signed_in
from tests.factories import AssessedItemFactory, FileItemFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _radio_values(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]+)"', html)


def _known(item: Item, category: str = "baseline") -> Item:
    actions.record_enrichment(
        item,
        known_match={
            "list": "Partner list",
            "category": category,
            "algorithm": "sha256",
            "distance": 0,
            "trust_level": 3,
        },
    )
    item.refresh_from_db()
    return item


def test_item_page_offers_only_the_instance_scheme_with_mappings(
    world: World, settings: object
) -> None:
    settings.SEVERITY_SCHEME = "ncmec"  # type: ignore[attr-defined]
    item = ItemFactory.create()

    html = _html(signed_in(world.alice).get(reverse("cases:item", args=[item.pk])))

    assert _radio_values(html, "severity") == ["A1", "A2", "B1", "B2"]
    # A1 maps to UK category A and INHOPE baseline, named in full for screen readers
    assert (
        '<kbd>1</kbd> <span class="mapping">≈ <abbr title="INHOPE baseline">INHOPE</abbr> '
        'baseline · <abbr title="UK sentencing categories (A/B/C)">UK</abbr> A</span>'
    ) in html
    assert 'data-required-when="baseline national"' in html


def test_illegal_verdict_without_severity_is_refused_next_to_the_fields(world: World) -> None:
    item = ItemFactory.create()
    client = signed_in(world.alice)

    response = client.post(reverse("cases:item", args=[item.pk]), {"legality": "baseline"})

    html = _html(response)
    assert response.status_code == 200
    assert 'id="id_severity_errors"><li>Choose a severity for illegal material.' in html
    assert 'id="id_age_group_errors"><li>Choose an age group for illegal material.' in html
    assert Assessment.objects.count() == 0


def test_saving_confirms_and_opens_the_next_item_claimed(world: World) -> None:
    first = ItemFactory.create(child_in_danger=True)
    second = ItemFactory.create()
    client = signed_in(world.alice)

    response = client.post(
        reverse("cases:item", args=[first.pk]),
        {"legality": "baseline", "severity": "baseline", "age_group": "pubescent"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("cases:item", args=[second.pk]), 302)]
    assert (
        f"Item #{first.pk}: your verdict (Illegal: baseline (illegal everywhere) · Baseline: "
        "internationally illegal · Pubescent (13–17)) is saved." in _html(response)
    )
    assessment = Assessment.objects.get(item=first)
    assert (assessment.scheme, assessment.severity) == ("inhope", "baseline")
    assert Item.objects.get(pk=second.pk).claimed_by == world.alice


def test_doubtful_verdict_carries_no_severity_even_if_one_was_ticked(world: World) -> None:
    item = ItemFactory.create()

    signed_in(world.alice).post(
        reverse("cases:item", args=[item.pk]), {"legality": "doubtful", "severity": "baseline"}
    )

    assert Assessment.objects.get(item=item).severity == ""


def test_assessed_item_shows_its_verdict_and_history_not_a_form(world: World) -> None:
    item = AssessedItemFactory.create(analyst=world.alice)
    client = signed_in(world.alice)

    html = _html(client.get(reverse("cases:item", args=[item.pk])))
    client.post(reverse("cases:item", args=[item.pk]), {"legality": "not_illegal"})

    assert 'id="assessment-form"' not in html
    assert 'id="current-verdict" data-legality="baseline"' in html
    assert 'id="verdict-history"' in html
    assert Assessment.objects.filter(item=item).count() == 1  # a second POST changes nothing


def test_analyst_is_never_offered_to_confirm_their_own_verdict(
    world: World, settings: object
) -> None:
    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    item = AssessedItemFactory.create(legality="not_illegal", analyst=world.charlie)
    url = reverse("cases:item", args=[item.pk])

    own = _html(signed_in(world.charlie).get(url))  # a supervisor who gave the verdict
    other = _html(signed_in(UserFactory.create(roles=["supervisor"])).get(url))
    confirm_own = signed_in(world.charlie).post(
        reverse("cases:confirm_earlier", args=[item.pk, item.assessment.pk])
    )

    confirm_url = reverse("cases:confirm", args=[item.assessment.pk])
    assert confirm_url not in own
    assert "Waiting for another supervisor" in own
    assert confirm_url in other
    assert confirm_own.status_code == 404
    assert (
        list(signed_in(world.charlie).get(reverse("cases:confirmations")).context["pending"]) == []
    )


def test_queue_filters_by_concern_source_country_match_and_age(world: World) -> None:
    grooming = ItemFactory.create(concern=Concern.GROOMING, hosted_in="DE")
    company = ItemFactory.create(channel=Channel.COMPANY_API, hosted_in="FR")
    known = _known(FileItemFactory.create())
    old = ItemFactory.create()
    Item.objects.filter(pk=old.pk).update(first_reported_at=timezone.now() - timedelta(days=8))
    client = signed_in(world.alice)

    def shown(**query: str) -> list[int]:
        return [i.pk for i in client.get(reverse("cases:queue"), query).context["items"]]

    assert shown(concern="grooming") == [grooming.pk]
    assert shown(source="company_api") == [company.pk, known.pk]
    assert shown(country="de") == [grooming.pk]
    assert shown(matched="yes") == [known.pk]
    assert known.pk not in shown(matched="no")
    assert shown(age="7d") == [old.pk]
    assert shown(sort="oldest")[0] == old.pk


def test_queue_counts_items_in_every_status(world: World) -> None:
    ItemFactory.create()
    ItemFactory.create()
    AssessedItemFactory.create()

    response = signed_in(world.alice).get(reverse("cases:queue"))

    counts = response.context["counts"]
    assert (counts["new"], counts["assessed"], counts["closed"]) == (2, 1, 0)
    assert 'data-status="new">Waiting for assessment <span class="count">2</span>' in _html(
        response
    )


def test_next_item_opens_the_top_of_the_filtered_queue(world: World) -> None:
    ItemFactory.create(child_in_danger=True)
    grooming = ItemFactory.create(concern=Concern.GROOMING)

    response = signed_in(world.alice).post(reverse("cases:next"), {"queue": "concern=grooming"})

    assert response["Location"] == reverse("cases:item", args=[grooming.pk]) + (
        "?queue=concern%3Dgrooming"
    )
    assert Item.objects.get(pk=grooming.pk).claimed_by == world.alice


def test_bulk_confirmation_assesses_each_known_match_and_skips_the_rest(world: World) -> None:
    first = _known(FileItemFactory.create())
    second = _known(FileItemFactory.create())
    unmapped = _known(FileItemFactory.create(), category="3")
    fresh = FileItemFactory.create()

    response = signed_in(world.alice).post(
        reverse("cases:confirm_known"),
        {"item": [first.pk, second.pk, unmapped.pk, fresh.pk]},
        follow=True,
    )

    assessed = Assessment.objects.order_by("item_id")
    assert [a.item_id for a in assessed] == [first.pk, second.pk]
    assert {(a.legality, a.severity, a.age_group) for a in assessed} == {
        ("baseline", "baseline", "unknown")
    }
    assert assessed[0].based_on_match["list"] == "Partner list"
    for item in (first, second):
        assert AuditEvent.objects.filter(action="item.assess", object_id=str(item.pk)).count() == 1
    html = _html(response)
    assert "Confirmed the known-material match of 2 items." in html
    assert f"Item #{unmapped.pk} not confirmed: its match does not pre-classify it." in html
    assert f"Item #{fresh.pk} not confirmed: its match does not pre-classify it." in html


def test_known_match_prefills_the_form_with_its_preclassification(world: World) -> None:
    item = _known(FileItemFactory.create())

    html = _html(signed_in(world.alice).get(reverse("cases:item", args=[item.pk])))

    assert re.search(r'name="legality" value="baseline"[^>]*checked', html)
    assert re.search(r'name="age_group" value="unknown"[^>]*checked', html)
    assert "list “Partner list” (trust 3), exact SHA256 match" in html


def test_confirmations_page_shows_the_item_its_hosting_and_what_reporters_said(
    world: World, settings: object
) -> None:
    settings.FOUR_EYES = ["baseline"]  # type: ignore[attr-defined]
    item = ItemFactory.create(hosted_in="DE")
    actions.assess_item(
        item,
        Verdict(legality="baseline", scheme="inhope", severity="baseline", age_group="infant"),
        acting_user=world.alice,
    )

    html = _html(signed_in(world.charlie).get(reverse("cases:confirmations")))

    assert f'href="{reverse("cases:item", args=[item.pk])}"' in html
    assert "192.0.2.10</span> — DE, AS64500 Hosting DE" in html
    assert "Child sexual abuse material (images or videos)" in html
    assert "Illegal: baseline (illegal everywhere) · Baseline: internationally illegal" in html
    assert 'data-key="c"' in html
    assert 'data-key="r"' in html


def test_returning_a_verdict_puts_the_item_back_in_the_queue(
    world: World, settings: object
) -> None:
    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    item = AssessedItemFactory.create(legality="not_illegal", analyst=world.alice)

    signed_in(world.charlie).post(
        reverse("cases:confirm", args=[item.assessment.pk]), {"decision": "reject"}
    )

    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW
    assert Assessment.objects.get().confirmation == Confirmation.REJECTED
