"""Partner onboarding from the staff pages: pin the key, set the countries, test the connection.

The connection test sends a real signed ping over HTTP to a live server (this same instance,
which trusts our key when the partner entry pins it), so what the page shows is what the
partner's inbox answered.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.routing.federation.actions import add_partner
from hotline.routing.federation.keys import (
    generate_private_key,
    key_id_for,
    private_key_to_pem,
    public_key_to_text,
)
from hotline.routing.models import Partner
from tests.conftest import World, signed_in
from tests.instances import free_port


@pytest.fixture
def our_key(settings: Any) -> str:
    """This instance's federation key for the test; returns its public key text."""
    key = generate_private_key()
    settings.FEDERATION_PRIVATE_KEY = private_key_to_pem(key)
    return public_key_to_text(key.public_key())


def _partner(base_url: str, public_key: str) -> Partner:
    return add_partner(
        name="Hotline B",
        country="DE",
        base_url=base_url,
        public_key=public_key,
        acting_user=None,
    )


def test_add_partner_page_pins_the_key_and_shows_its_fingerprint(world: World) -> None:
    client = signed_in(world.erin)
    public = generate_private_key().public_key()

    response = client.post(
        reverse("routing:partner_add"),
        {
            "name": "Hotline DE",
            "country": "de",
            "base_url": "https://hotline-de.example.test",
            "public_key": public_key_to_text(public),
            "key_id": key_id_for(public),
            "countries": "DE, AT",
        },
        follow=True,
    )

    partner = Partner.objects.get(organisation__name="Hotline DE")
    assert (partner.key_id, partner.countries) == (key_id_for(public), ["DE", "AT"])
    assert f'<dd class="mono" id="partner-key-id">{key_id_for(public)}</dd>' in (
        response.content.decode()
    )
    event = AuditEvent.objects.get(action="partner.add")
    assert event.actor == "user:erin"


def test_add_partner_refuses_a_key_that_does_not_match_the_fingerprint(world: World) -> None:
    public = generate_private_key().public_key()
    other = generate_private_key().public_key()

    response = signed_in(world.erin).post(
        reverse("routing:partner_add"),
        {
            "name": "Hotline DE",
            "country": "DE",
            "base_url": "https://hotline-de.example.test",
            "public_key": public_key_to_text(public),
            "key_id": key_id_for(other),
        },
    )

    assert response.context["form"].errors["key_id"] == [
        f"the public key's id is {key_id_for(public)}, not {key_id_for(other)}"
    ]
    assert not Partner.objects.exists()


def test_countries_are_changed_on_the_partner_page_and_audited(world: World) -> None:
    partner = _partner(
        "https://hotline-de.example.test", public_key_to_text(generate_private_key().public_key())
    )
    client = signed_in(world.erin)

    bad = client.post(
        reverse("routing:partner", kwargs={"pk": partner.pk}), {"countries": "DE, XX"}
    )
    client.post(reverse("routing:partner", kwargs={"pk": partner.pk}), {"countries": "de, at, ch"})

    assert bad.context["form"].errors["countries"] == [
        "'XX' is not an ISO 3166-1 alpha-2 country code"
    ]
    partner.refresh_from_db()
    assert partner.countries == ["DE", "AT", "CH"]
    event = AuditEvent.objects.get(action="partner.countries")
    assert (event.actor, event.detail) == (
        "user:erin",
        {"before": ["DE"], "after": ["DE", "AT", "CH"]},
    )


@pytest.mark.django_db(transaction=True)
def test_test_connection_shows_the_partner_verified_our_signed_ping(
    world: World, our_key: str, live_server: Any
) -> None:
    # The live server is "the partner": it trusts our key because this entry pins it.
    partner = _partner(live_server.url, our_key)

    response = signed_in(world.erin).post(
        reverse("routing:partner_ping", kwargs={"pk": partner.pk})
    )

    page = response.content.decode()
    assert "Connection works: our signed ping was verified and answered by Hotline." in page
    sent = AuditEvent.objects.get(action="partner.ping")
    assert (sent.actor, sent.detail["ok"], sent.detail["status"]) == ("user:erin", True, 200)
    assert AuditEvent.objects.filter(action="federation.ping").count() == 1


@pytest.mark.django_db(transaction=True)
def test_test_connection_shows_the_refusal_when_the_partner_does_not_know_our_key(
    world: World, our_key: str, live_server: Any
) -> None:
    # The partner entry pins someone else's key, so our signature's key id is unknown there.
    partner = _partner(live_server.url, public_key_to_text(generate_private_key().public_key()))

    response = signed_in(world.erin).post(
        reverse("routing:partner_ping", kwargs={"pk": partner.pk})
    )

    assert "The connection test failed (HTTP 401, unknown key): " in response.content.decode()
    sent = AuditEvent.objects.get(action="partner.ping")
    assert (sent.detail["ok"], sent.detail["status"], sent.detail["reason"]) == (
        False,
        401,
        "unknown key",
    )


def test_test_connection_says_when_nothing_answers(world: World, our_key: str) -> None:
    partner = _partner(f"http://127.0.0.1:{free_port()}", our_key)

    response = signed_in(world.erin).post(
        reverse("routing:partner_ping", kwargs={"pk": partner.pk})
    )

    page = response.content.decode()
    assert (
        f"The connection test failed: cannot reach {partner.base_url}/api/v1/federation/inbox"
        in page
    )


@pytest.mark.django_db(transaction=True)
def test_federation_ping_command(world: World, our_key: str, live_server: Any) -> None:
    _partner(live_server.url, our_key)
    out = io.StringIO()

    call_command("federation", "ping", "Hotline B", stdout=out)

    assert out.getvalue() == "ping Hotline B: ok, answered by Hotline\n"


def test_federation_ping_command_fails_loudly(world: World, our_key: str) -> None:
    _partner(f"http://127.0.0.1:{free_port()}", our_key)

    with pytest.raises(CommandError, match="ping Hotline B: no answer: cannot reach"):
        call_command("federation", "ping", "Hotline B")


def test_federation_countries_command(world: World) -> None:
    _partner(
        "https://hotline-de.example.test", public_key_to_text(generate_private_key().public_key())
    )
    out = io.StringIO()

    call_command("federation", "countries", "Hotline B", "DE,LU", stdout=out)

    assert out.getvalue() == "Hotline B covers DE, LU\n"
    assert Partner.objects.get().countries == ["DE", "LU"]
