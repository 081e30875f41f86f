"""Demo data: an illustrative legal matrix (never presented as law) and demo targets."""

from __future__ import annotations

from django.urls import reverse

from hotline.monitoring import legal_matrix
from hotline.monitoring.models import LegalFactChange, NationalTarget
from hotline.routing.models import JurisdictionProfile
from hotline.site.demo.monitoring import ILLUSTRATIVE_MATRIX, load_monitoring_demo
from tests.conftest import World, signed_in


def test_demo_loads_once(world: World) -> None:
    first = load_monitoring_demo()

    second = load_monitoring_demo()

    assert first == {"legal_facts": LegalFactChange.objects.count(), "targets": 5}
    assert second == {"legal_facts": 0, "targets": 0}
    assert NationalTarget.objects.count() == 5


def test_demo_legal_values_are_all_marked_illustrative(world: World) -> None:
    load_monitoring_demo()

    facts = [
        fact
        for profile in JurisdictionProfile.objects.all()
        for fact in profile.legal_facts.values()
    ]

    assert {(f["source"], f["illustrative"]) for f in facts} == {
        (legal_matrix.ILLUSTRATIVE_SOURCE, True)
    }
    assert sorted(JurisdictionProfile.objects.values_list("country", flat=True)) == sorted(
        ILLUSTRATIVE_MATRIX
    )


def test_demo_never_overwrites_a_real_value(world: World) -> None:
    from datetime import date

    from hotline.monitoring import actions
    from hotline.routing import legal

    actions.set_legal_fact(
        "FR",
        legal.EXTRADITION,
        value=False,
        source="Code (synthetic)",
        checked_on=date(2026, 1, 1),
        acting_user=world.erin,
    )

    load_monitoring_demo()

    assert legal.legal_fact("FR", legal.EXTRADITION).source == "Code (synthetic)"


def test_matrix_page_flags_illustrative_countries(world: World) -> None:
    load_monitoring_demo()

    response = signed_in(world.alice).get(reverse("monitoring:legal_matrix"))

    flagged = [law.country for law in response.context["rows"] if law.illustrative]
    assert flagged == [law.country for law in response.context["rows"]]
    assert response.content.decode().count('<span class="badge illustrative">') == len(
        ILLUSTRATIVE_MATRIX
    )
