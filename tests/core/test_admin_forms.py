"""Administration pages an administrator can use without knowing JSON, with plural names
that read right (no "Entrys") in every language."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from hotline.matching.models import HashList
from hotline.routing.models import JurisdictionProfile, RoutingRule
from tests.conftest import World, signed_in
from tests.factories.routing import routing_world

pytestmark = pytest.mark.django_db

RULE = {"position": "5", "condition": "hosted_home", "enabled": "on", "description": "home"}


def test_routing_rule_destinations_are_tick_boxes_stored_as_a_list(world: World) -> None:
    client = signed_in(world.erin)
    page = client.get(reverse("admin:routing_routingrule_add")).content.decode()

    response = client.post(
        reverse("admin:routing_routingrule_add"),
        {**RULE, "destinations": ["notice", "police"]},
    )

    assert 'type="checkbox" name="destinations" value="police"' in page
    assert '<textarea name="destinations"' not in page
    assert response.status_code == 302
    # Stored in the choices' order whatever the order ticked.
    assert RoutingRule.objects.get(description="home").destinations == ["police", "notice"]


@pytest.mark.parametrize(
    ("destinations", "message"),
    [
        ([], "This field is required."),
        (["weather"], "Select a valid choice. weather is not one of the available choices."),
    ],
)
def test_routing_rule_without_a_valid_destination_is_refused(
    world: World, destinations: list[str], message: str
) -> None:
    response = signed_in(world.erin).post(
        reverse("admin:routing_routingrule_add"), {**RULE, "destinations": destinations}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["destinations"] == [message]
    assert RoutingRule.objects.filter(description="home").count() == 0


def test_routing_rule_list_shows_destinations_in_words(world: World) -> None:
    RoutingRule.objects.create(condition="hosted_home", destinations=["police"], position=9)

    html = signed_in(world.erin).get(reverse("admin:routing_routingrule_changelist")).content

    assert "Referral to our police" in html.decode()
    assert "[&#x27;police&#x27;]" not in html.decode()


def test_partner_countries_are_chosen_by_name(world: World) -> None:
    partner = routing_world().partner
    client = signed_in(world.erin)
    url = reverse("admin:routing_partner_change", args=[partner.pk])
    page = client.get(url).content.decode()
    form = {
        "organisation": str(partner.organisation_id),
        "base_url": partner.base_url,
        "key_id": partner.key_id,
        "public_key": partner.public_key,
        "active": "on",
    }

    saved = client.post(url, {**form, "countries": ["LU", "BE"]})
    refused = client.post(url, {**form, "countries": ["XX"]})

    assert '<option value="DE" selected>Germany (DE)</option>' in page
    assert saved.status_code == 302
    partner.refresh_from_db()
    assert partner.countries == ["BE", "LU"]
    assert refused.context["adminform"].form.errors["countries"] == [
        "Select a valid choice. XX is not one of the available choices."
    ]


def test_hash_list_mapping_is_one_pair_per_line(world: World) -> None:
    client = signed_in(world.erin)
    form = {"name": "partner list", "source": "partner", "trust_level": "2", "enabled": "on"}

    saved = client.post(
        reverse("admin:matching_hashlist_add"),
        {**form, "category_mapping": "1 = baseline\n\n2 = national"},
    )
    hash_list = HashList.objects.get(name="partner list")
    page = client.get(reverse("admin:matching_hashlist_change", args=[hash_list.pk]))
    refused = client.post(
        reverse("admin:matching_hashlist_add"),
        {**form, "name": "other", "category_mapping": '1 = baseline\n{"2": "x"}\n1 = national'},
    )

    assert saved.status_code == 302
    assert hash_list.category_mapping == {"1": "baseline", "2": "national"}
    assert "1 = baseline\n2 = national</textarea>" in page.content.decode()
    assert refused.context["adminform"].form.errors["category_mapping"] == [
        'Line 2 must read “their label = our label”: {"2": "x"}',
        "Line 3 repeats the label 1.",
    ]


def test_jurisdiction_legal_facts_are_not_a_json_box(world: World) -> None:
    profile = JurisdictionProfile.objects.create(
        country="BE", legal_facts={"criminalised": {"value": True}}
    )

    html = (
        signed_in(world.erin)
        .get(reverse("admin:routing_jurisdictionprofile_change", args=[profile.pk]))
        .content.decode()
    )

    assert 'name="legal_facts"' not in html
    assert "1 fact recorded." in html
    assert f'href="{reverse("monitoring:legal_country", args=["BE"])}"' in html


def test_every_administered_model_names_itself_and_its_plural() -> None:
    # Django's default plural adds an "s" ("Entrys") and is never translated.
    undeclared = [
        model._meta.label
        for model in admin.site._registry
        if model._meta.app_label not in ("auth",)
        and not {"verbose_name", "verbose_name_plural"} <= set(model._meta.original_attrs)
    ]

    assert undeclared == []


def test_no_model_has_a_misspelt_plural() -> None:
    wrong = [
        (model._meta.label, str(model._meta.verbose_name_plural))
        for model in apps.get_models()
        if re.search(r"[^aeiou]ys$|evidences$", str(model._meta.verbose_name_plural))
    ]

    assert wrong == []


def test_admin_index_is_translated(world: World) -> None:
    html = (
        signed_in(world.erin)
        .get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
    )

    assert "Règles de routage" in html
    assert "Entrées de flux" in html
