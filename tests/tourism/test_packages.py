"""Anonymisation: no reporter data in anything forwarded, unless the reporter consented."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from hotline.outbox.models import OutboxMessage
from hotline.routing.models import Referral
from hotline.tourism.actions import (
    clear_company_notice,
    draft_company_notice,
    link_company,
    send_referrals,
)
from hotline.tourism.models import Company
from hotline.tourism.packages import PACKAGE_FORMAT
from tests.conftest import World
from tests.tourism.factories import file, partner_for, travel_world

CONTACT = "witness@reporter.example.test"


def _forwarded() -> list[tuple[str, dict[str, Any], str]]:
    """Every message that leaves: (destination, package or {}, all its text decoded)."""
    out = []
    for message in OutboxMessage.objects.order_by("destination"):
        payload = message.payload
        packages = [
            json.loads(base64.b64decode(a["content"])) for a in payload.get("attachments", [])
        ]
        text = json.dumps(payload, ensure_ascii=False) + json.dumps(packages, ensure_ascii=False)
        out.append((message.destination, packages[0] if packages else {}, text))
    return out


@pytest.mark.django_db
def test_forwarded_packages_carry_no_reporter_data_without_consent(world: World) -> None:
    travel_world()
    partner_for("TH", email="travel@hotline-th.example.test")
    travel = file(contact=CONTACT, consent_to_contact=True, reporter_country="BE").travel

    send_referrals(travel, acting_user=world.alice)

    forwarded = _forwarded()
    assert [destination for destination, _, _ in forwarded] == [
        "cst@police-be.example.test",
        "cst@police-de.example.test",
        "travel@hotline-th.example.test",
        "travel@police-th.example.test",
    ]
    for _, package, text in forwarded:
        assert CONTACT not in text
        assert "residence_country" not in text
        assert package["reporter"] == {
            "identity_shared": False,
            "willing_to_give_statement": True,
            "reachable_through_hotline": True,
        }


@pytest.mark.django_db
def test_anonymous_reporter_is_not_reachable_through_the_hotline(world: World) -> None:
    travel_world()
    travel = file(contact="", consent_to_contact=False, willing_to_give_statement=False).travel

    send_referrals(travel, acting_user=world.alice)

    assert [p["reporter"] for _, p, _ in _forwarded()] == [
        {
            "identity_shared": False,
            "willing_to_give_statement": False,
            "reachable_through_hotline": False,
        }
    ] * 3


@pytest.mark.django_db
def test_contact_without_consent_to_contact_is_not_forwarded_either(world: World) -> None:
    travel_world()
    travel = file(contact=CONTACT, consent_to_contact=False).travel

    send_referrals(travel, acting_user=world.alice)

    assert [CONTACT in text for _, _, text in _forwarded()] == [False, False, False]


@pytest.mark.django_db
def test_reporter_who_consented_is_named_in_every_package(world: World) -> None:
    travel_world()
    travel = file(contact=CONTACT, consent_to_share_identity=True).travel

    send_referrals(travel, acting_user=world.alice)

    assert [p["reporter"] for _, p, _ in _forwarded()] == [
        {
            "identity_shared": True,
            "willing_to_give_statement": True,
            "reachable_through_hotline": True,
            "contact": CONTACT,
            "residence_country": "BE",
        }
    ] * 3


@pytest.mark.django_db
def test_consent_to_share_without_a_contact_is_not_recorded() -> None:
    travel = file(contact="  ", consent_to_contact=True, consent_to_share_identity=True).travel

    assert (travel.consent_to_share_identity, travel.report.consent_to_contact) == (False, False)


@pytest.mark.django_db
def test_package_holds_the_report_facts_and_the_legal_facts_of_the_recipient(
    world: World,
) -> None:
    travel_world()
    travel = file(holds_photos=True).travel

    send_referrals(travel, acting_user=world.alice)

    package = next(p for d, p, _ in _forwarded() if d == "cst@police-de.example.test")
    assert package["format"] == PACKAGE_FORMAT
    assert package["referral"]["kind"] == "suspect_nationality"
    assert package["report"]["reference"] == travel.reference
    assert package["where"]["city"] == "Synthetic Bay"
    assert package["suspect"]["number_plate"] == "EX-AMPLE 42"
    assert package["evidence"] == {"reporter_holds_photos": True, "photos_attached": False}
    assert [(f["key"], f["value"]) for f in package["legal_facts"]] == [
        ("extraterritorial_jurisdiction", True),
        ("dual_criminality_required", False),
        ("extradition_possible", None),
    ]


@pytest.mark.django_db
def test_notice_to_a_company_carries_no_reporter_data(world: World) -> None:
    travel_world(nationality_org=world.police)
    travel = file(contact=CONTACT, consent_to_share_identity=True).travel
    send_referrals(travel, acting_user=world.alice)
    OutboxMessage.objects.all().delete()  # only the notice is looked at here
    company = Company.objects.create(
        name="Example Tours",
        kind="tour_operator",
        country="TH",
        contact_email="p@tours.example.test",
    )
    link_company(travel, company, acting_user=world.alice)
    notice = draft_company_notice(
        travel, company, text="Please review your guest records.", acting_user=world.alice
    )

    clear_company_notice(notice, acting_user=world.dave)

    [(destination, package, text)] = _forwarded()
    assert destination == "p@tours.example.test"
    assert package == {}
    assert CONTACT not in text
    assert Referral.objects.filter(report=travel.report).count() == 3
