"""The referral page a police liaison and the hotline read: the package as it was sent (the
e-mail, its JSON, and the same facts in words), the legal facts, and a notice referral whose
provider is named by hand showing the provider and the notice it is on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.routing.models import JurisdictionProfile, PoliceUnit, Referral, ReferralStatus
from hotline.takedown.actions import send_due_notices
from hotline.takedown.models import NoticeItem
from tests.conftest import World, signed_in
from tests.factories import ReferralFactory, deliver_outbox, delivered_referral, routing_world

pytestmark = pytest.mark.django_db


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _referral_for_dave(world: World) -> Referral:
    police = routing_world().police
    PoliceUnit.objects.filter(pk=police.pk).update(organisation=world.police)
    JurisdictionProfile.objects.filter(country="FR").update(
        legal_facts={
            "extraterritorial_jurisdiction": {
                "value": True,
                "source": "Synthetic code, art. 1",
                "checked_on": "2026-01-10",
            }
        }
    )
    return delivered_referral(analyst=world.alice)


def test_liaison_sees_the_package_as_sent_and_in_words(world: World) -> None:
    referral = _referral_for_dave(world)

    html = _html(signed_in(world.dave).get(reverse("routing:referral", args=[referral.pk])))

    assert f"Referral {referral.pk}: item {referral.item_id}</dd>" in html  # the subject
    assert "No content is attached." in html  # the e-mail's text, verbatim
    assert f"referral-{referral.pk}.json" in html
    assert "&quot;legality&quot;: &quot;baseline&quot;" in html  # the JSON as sent
    assert "<dt>Legality</dt><dd>Illegal: baseline (illegal everywhere)</dd>" in html
    assert "<dd>Baseline: internationally illegal (INHOPE baseline)</dd>" in html
    assert "<dt>Age group</dt><dd>Prepubescent (3–12)</dd>" in html
    assert '<td class="mono">192.0.2.10</td><td>FR</td><td>AS64500 Hosting FR</td>' in html
    assert "<td>test IP data, test IP data</td>" in html  # the trace's sources
    assert "Child sexual abuse material (images or videos)" in html  # what reporters said
    assert "Extraterritorial jurisdiction over child sexual offences" in html
    assert "Synthetic code, art. 1 (checked 2026-01-10)" in html
    assert 'data-delivery="delivered"' in html
    assert reverse("cases:item", args=[referral.item_id]) not in html  # no case data for police


def test_staff_open_the_item_from_the_referral(world: World) -> None:
    referral = _referral_for_dave(world)

    html = _html(signed_in(world.alice).get(reverse("routing:referral", args=[referral.pk])))

    assert f'href="{reverse("cases:item", args=[referral.item_id])}"' in html


def test_a_referral_without_a_message_says_so_and_shows_the_facts(world: World) -> None:
    referral = ReferralFactory.create(destination="blocklist")

    html = _html(signed_in(world.alice).get(reverse("routing:referral", args=[referral.pk])))

    assert "This destination sends no message" in html
    assert "Not sent yet" not in html
    assert "<dt>Legality</dt><dd>Illegal: baseline (illegal everywhere)</dd>" in html


def test_naming_the_provider_shows_it_and_puts_the_item_on_a_notice(
    world: World, settings: object
) -> None:
    settings.BASE_URL = "https://hotline.example.test"  # type: ignore[attr-defined]
    referral = ReferralFactory.create(destination="notice", abuse_email="")
    url = reverse("routing:referral", args=[referral.pk])
    assert "No hosting provider known" in _html(signed_in(world.alice).get(url))

    response = signed_in(world.alice).post(
        url, {"provider": "1", "p-name": "Example Host", "p-abuse_email": "abuse@host.example.test"}
    )
    html = _html(signed_in(world.alice).get(url))

    assert response.status_code == 302
    notice = NoticeItem.objects.get(referral=referral).notice
    assert 'Example Host <span class="mono">abuse@host.example.test</span>' in html
    assert f"Notice #{notice.pk}</a>" in html
    assert "Not sent yet: this is what the package holds today." in html
    send_due_notices()
    deliver_outbox()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT
