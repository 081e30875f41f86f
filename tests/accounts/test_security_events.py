"""Security events in the audit log: sign-in and sign-out, refusals, a credential used from a
network not seen before for it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts import actions
from hotline.accounts.models import ApiCredential, CredentialNetwork
from hotline.audit.models import AuditEvent
from tests.conftest import PASSWORD, World, signed_in


def _events(action: str) -> list[tuple[str, str, dict[str, object]]]:
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("pk")
        .values_list("actor", "object_id", "detail")
    )


def _whoami(token: str, address: str) -> int:
    response = Client(REMOTE_ADDR=address).get(
        "/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    return response.status_code


def test_sign_in_and_sign_out_are_audited(world: World) -> None:
    client = Client()
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    alice = (f"user:{world.alice.username}", str(world.alice.pk), {})
    assert _events("user.login") == [alice]
    assert _events("user.logout") == [alice]


def test_a_refused_page_is_audited_with_path_and_reason(world: World) -> None:
    response = signed_in(world.alice).get(reverse("monitoring:dashboard"), {"q": "secret words"})

    assert response.status_code == 403
    assert _events("access.denied") == [
        (
            "user:alice",
            "",
            {
                "path": reverse("monitoring:dashboard"),
                "method": "GET",
                "reason": "Your role does not give access to this page.",
                "signed_in": True,
            },
        )
    ]
    assert "Your account does not give access to this page." in response.content.decode()


def test_a_partner_user_refused_case_data_is_audited(world: World) -> None:
    signed_in(world.bob).get(reverse("cases:queue"))

    (event,) = _events("access.denied")
    assert event[0] == "user:bob"
    assert event[2]["reason"] == "Only this hotline's own staff can open this page."


def _feed() -> ApiCredential:
    return ApiCredential.objects.get(name="feed")


def test_first_use_and_a_new_network_are_audited_once_each(world: World) -> None:
    statuses = [
        _whoami(world.feed_token, "192.0.2.10"),
        _whoami(world.feed_token, "192.0.2.77"),  # same /24: the same place
        _whoami(world.feed_token, "198.51.100.5"),  # another network
        _whoami(world.feed_token, "198.51.100.6"),
    ]

    assert statuses == [200, 200, 200, 200]
    events = _events("credential.new_network")
    assert [(actor, obj, detail["first_use"]) for actor, obj, detail in events] == [
        (f"client:{_feed().key_id}", str(_feed().pk), True),
        (f"client:{_feed().key_id}", str(_feed().pk), False),
    ]
    assert CredentialNetwork.objects.filter(credential=_feed()).count() == 2


def test_network_is_stored_only_as_a_keyed_hash(world: World) -> None:
    _whoami(world.feed_token, "192.0.2.10")

    stored = CredentialNetwork.objects.get()
    (event,) = _events("credential.new_network")
    assert "192.0.2" not in stored.network_hash
    assert stored.network_hash == actions.credential_network_hash(_feed(), "192.0.2.0/24")
    assert "192.0.2" not in str(event)
    assert event[2]["network"] == stored.network_hash[:16]


def test_the_same_network_hashes_differently_for_another_credential(world: World) -> None:
    intake = ApiCredential.objects.get(name="intake")

    assert actions.credential_network_hash(
        _feed(), "192.0.2.0/24"
    ) != actions.credential_network_hash(intake, "192.0.2.0/24")


def test_a_known_network_is_not_news_even_after_the_cache_forgets(world: World) -> None:
    from django.core.cache import cache

    _whoami(world.feed_token, "2001:db8:1:2::5")
    cache.clear()
    _whoami(world.feed_token, "2001:db8:1:ffff::9")  # same /48

    assert len(_events("credential.new_network")) == 1


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.200", "192.0.2.0/24"),
        ("2001:db8:aa:bb::1", "2001:db8:aa::/48"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),
        ("not an address", None),
        ("", None),
    ],
)
def test_client_network(address: str, network: str | None) -> None:
    assert actions.client_network(address) == network


def test_a_refused_token_records_no_network(world: World) -> None:
    assert _whoami("hl_nope_nope", "192.0.2.10") == 401

    assert CredentialNetwork.objects.count() == 0
