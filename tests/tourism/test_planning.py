"""Which authorities a travel report goes to, and the legal facts shown beside each."""

from __future__ import annotations

import pytest

from hotline.routing.legal import DUAL_CRIMINALITY, EXTRADITION, EXTRATERRITORIAL
from hotline.routing.models import PoliceChannel, PoliceUnit
from hotline.tourism.planning import plan_referrals
from tests.tourism.factories import file, partner_for, travel_world


def _summary(travel_pk: int) -> list[tuple[str, str, str, str, tuple[str, ...], str]]:
    from hotline.tourism.models import TravelReport

    return [
        (p.kind, p.country, p.destination_name, p.recipient, p.also_grounds, p.problem)
        for p in plan_referrals(TravelReport.objects.get(pk=travel_pk))
    ]


@pytest.mark.django_db
def test_plan_refers_to_the_police_of_offence_nationality_and_residence() -> None:
    travel_world()
    travel = file().travel

    assert _summary(travel.pk) == [
        (
            "place_of_offence",
            "TH",
            "Tourist police TH",
            "travel@police-th.example.test",
            (),
            "",
        ),
        (
            "suspect_nationality",
            "DE",
            "Child protection unit DE",
            "cst@police-de.example.test",
            (),
            "",
        ),
        ("reporter_residence", "BE", "Federal police BE", "cst@police-be.example.test", (), ""),
    ]


@pytest.mark.django_db
def test_plan_shows_sourced_facts_and_unknown_for_unsourced_ones() -> None:
    travel_world()
    travel = file().travel

    facts = {
        p.country: [(f.key, f.value if f.known else "unknown") for f in p.facts]
        for p in plan_referrals(travel)
    }

    assert facts == {
        "TH": [(EXTRATERRITORIAL, False), (DUAL_CRIMINALITY, True), (EXTRADITION, False)],
        "DE": [(EXTRATERRITORIAL, True), (DUAL_CRIMINALITY, False), (EXTRADITION, "unknown")],
        "BE": [
            (EXTRATERRITORIAL, "unknown"),
            (DUAL_CRIMINALITY, "unknown"),
            (EXTRADITION, "unknown"),
        ],
    }


@pytest.mark.django_db
def test_one_country_gets_one_referral_naming_every_ground() -> None:
    travel_world()
    travel = file(reporter_country="DE").travel

    assert [(p.kind, p.country, p.also_grounds) for p in plan_referrals(travel)] == [
        ("place_of_offence", "TH", ()),
        ("suspect_nationality", "DE", ("reporter_residence",)),
    ]


@pytest.mark.django_db
def test_unknown_nationality_and_residence_leave_only_the_place_of_offence() -> None:
    travel_world()
    travel = file(suspect_nationality="", reporter_country="").travel

    assert [p.kind for p in plan_referrals(travel)] == ["place_of_offence"]


@pytest.mark.django_db
def test_partner_hotline_of_the_place_of_offence_is_added_with_its_travel_address() -> None:
    travel_world()
    partner_for("TH", email="travel@hotline-th.example.test")
    partner_for("KH", email="travel@hotline-kh.example.test")
    travel = file().travel

    partner_rows = [
        (p.kind, p.country, p.destination_name, p.recipient)
        for p in plan_referrals(travel)
        if p.partner is not None
    ]

    assert partner_rows == [
        ("partner_hotline", "TH", "Partner hotline TH", "travel@hotline-th.example.test")
    ]


@pytest.mark.django_db
def test_partner_without_a_travel_address_waits_for_a_hand_over() -> None:
    travel_world()
    partner_for("TH")
    travel = file().travel

    partner = plan_referrals(travel)[-1]

    assert (partner.kind, partner.recipient, partner.problem) == (
        "partner_hotline",
        "",
        "No e-mail address for travel referrals is recorded for this partner.",
    )


@pytest.mark.django_db
def test_country_without_a_unit_goes_through_our_interpol_bureau(settings: object) -> None:
    travel_world()
    PoliceUnit.objects.create(
        name="NCB FR",
        country="FR",
        email="ncb@police-fr.example.test",
        channel=PoliceChannel.INTERPOL,
    )
    travel = file(country="KH").travel

    first = plan_referrals(travel)[0]

    assert (first.kind, first.country, first.destination_name, first.recipient, first.problem) == (
        "place_of_offence",
        "KH",
        "NCB FR",
        "ncb@police-fr.example.test",
        "No police unit is known for KH: sent through the INTERPOL channel.",
    )


@pytest.mark.django_db
def test_country_without_any_channel_is_planned_without_a_recipient() -> None:
    travel = file(country="KH", suspect_nationality="", reporter_country="").travel

    assert _summary(travel.pk) == [
        (
            "place_of_offence",
            "KH",
            "",
            "",
            (),
            "No police unit is known for KH and no INTERPOL channel is set up.",
        )
    ]


@pytest.mark.django_db
def test_portal_unit_is_planned_for_a_hand_over_by_a_liaison() -> None:
    PoliceUnit.objects.create(name="Portal TH", country="TH", channel=PoliceChannel.PORTAL)
    travel = file(suspect_nationality="", reporter_country="").travel

    assert _summary(travel.pk) == [
        (
            "place_of_offence",
            "TH",
            "Portal TH",
            "",
            (),
            "This unit takes referrals by hand: a liaison hands it over.",
        )
    ]


@pytest.mark.django_db
def test_units_that_do_not_handle_travel_cases_are_skipped() -> None:
    PoliceUnit.objects.create(
        name="Cyber TH", country="TH", email="cyber@police-th.example.test", handles_travel=False
    )
    travel = file(suspect_nationality="", reporter_country="").travel

    assert _summary(travel.pk)[0][2:4] == ("", "")
