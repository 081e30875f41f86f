"""Administrators issue, rotate and revoke machine credentials on staff pages, token shown once."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.accounts import actions
from hotline.accounts.models import ApiCredential, ClientKind, Scope
from hotline.audit.models import AuditEvent
from hotline.feeds.models import Collection, FeedSubscription
from tests.conftest import World, signed_in

TOKEN = re.compile(r'<code id="token" class="mono">(hl_[0-9a-f]{16}_[A-Za-z0-9_-]+)</code>')


def _once(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    found = re.search(r'name="once" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _issue(client: Client, world: World, **overrides: Any) -> Any:
    data = {
        "organisation": str(world.isp.pk),
        "name": "resolvers Paris",
        "kind": ClientKind.FEED_CONSUMER,
        "scopes": [Scope.FEED_RPZ, Scope.FEED_TAXII],
        "once": _once(client, reverse("accounts:credential_issue")),
        **overrides,
    }
    return client.post(reverse("accounts:credential_issue"), data)


def _token(response: Any) -> str:
    found = TOKEN.search(response.content.decode())
    assert found is not None, response.content.decode()[:2000]
    return found.group(1)


TAXII = "application/taxii+json;version=2.1"


def _taxii_aliases(token: str) -> list[str]:
    """The TAXII collections this token lists (``GET .../collections/``)."""
    listing = Client().get(
        "/api/v1/taxii2/feeds/collections/", HTTP_ACCEPT=TAXII, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert listing.status_code == 200, listing.content
    return [c["alias"] for c in json.loads(listing.content).get("collections", [])]


def _whoami(token: str) -> Any:
    return Client().get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_issue_page_lists_every_scope_with_its_meaning(world: World) -> None:
    page = signed_in(world.erin).get(reverse("accounts:credential_issue")).content.decode()

    shown = re.findall(r'name="scopes" value="([^"]+)"', page)
    assert shown == list(Scope.values)
    assert "GET /api/v1/feeds/rpz: the DNS response-policy zone, for ISP resolvers." in page


@pytest.mark.django_db
def test_issued_token_is_shown_once_works_and_is_audited(world: World) -> None:
    client = signed_in(world.erin)

    response = _issue(client, world)

    token = _token(response)
    assert response["Cache-Control"].startswith("max-age=0")
    credential = ApiCredential.objects.get(name="resolvers Paris")
    assert (credential.organisation, credential.scopes) == (world.isp, ["feed:rpz", "feed:taxii"])
    assert token.split("_", 2)[2] not in credential.secret_hash
    assert _whoami(token).json()["scopes"] == ["feed:rpz", "feed:taxii"]
    issued = AuditEvent.objects.get(action="credential.issue", object_id=str(credential.pk))
    assert (issued.actor, issued.detail["scopes"]) == ("user:erin", ["feed:rpz", "feed:taxii"])


def test_reloading_the_token_page_issues_and_shows_nothing(world: World) -> None:
    client = signed_in(world.erin)
    once = _once(client, reverse("accounts:credential_issue"))
    data = {
        "organisation": str(world.isp.pk),
        "name": "proxy",
        "kind": ClientKind.FEED_CONSUMER,
        "scopes": [Scope.FEED_URLS],
        "once": once,
    }
    first = client.post(reverse("accounts:credential_issue"), data)
    token = _token(first)

    again = client.post(reverse("accounts:credential_issue"), data, follow=True)

    assert ApiCredential.objects.filter(name="proxy").count() == 1
    page = again.content.decode()
    assert token not in page
    assert TOKEN.search(page) is None
    assert "a token cannot be shown again" in page
    detail = client.get(
        reverse("accounts:credential", kwargs={"pk": ApiCredential.objects.get(name="proxy").pk})
    ).content.decode()
    assert token not in detail


def test_unknown_scope_is_refused_naming_the_field(world: World) -> None:
    client = signed_in(world.erin)

    response = _issue(client, world, scopes=["feed:everything"])

    assert response.status_code == 200
    assert response.context["form"].errors["scopes"] == [
        "Select a valid choice. feed:everything is not one of the available choices."
    ]
    assert not ApiCredential.objects.filter(name="resolvers Paris").exists()


def test_no_scope_is_refused(world: World) -> None:
    response = _issue(signed_in(world.erin), world, scopes=[])

    assert response.context["form"].errors["scopes"] == ["This field is required."]


def test_subscriptions_are_chosen_on_the_issue_page_and_changed_on_the_detail_page(
    world: World,
) -> None:
    client = signed_in(world.erin)
    collections = list(Collection.objects.order_by("alias"))
    assert len(collections) >= 2
    first, second = collections[0], collections[1]

    response = _issue(client, world, **{"feeds-collections": [str(first.pk)]})
    credential = ApiCredential.objects.get(name="resolvers Paris")
    token = _token(response)
    assert _taxii_aliases(token) == [first.alias]  # the feed endpoint follows the page
    assert list(
        FeedSubscription.objects.filter(credential=credential).values_list(
            "collection__alias", flat=True
        )
    ) == [first.alias]

    client.post(
        reverse("accounts:credential", kwargs={"pk": credential.pk}),
        {"feeds-collections": [str(second.pk)]},
    )

    assert list(
        FeedSubscription.objects.filter(credential=credential).values_list(
            "collection__alias", flat=True
        )
    ) == [second.alias]
    assert _taxii_aliases(token) == [second.alias]
    refused = Client().get(
        f"/api/v1/taxii2/feeds/collections/{first.pk}/objects/",
        HTTP_ACCEPT=TAXII,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused.status_code == 404  # no longer subscribed: not even its existence is shown
    assert list(
        AuditEvent.objects.filter(action__startswith="feeds.")
        .exclude(action="feeds.pull")
        .values_list("action", flat=True)
    ) == ["feeds.subscribe", "feeds.subscribe", "feeds.unsubscribe"]


def test_rotation_with_overlap_keeps_the_old_token_until_it_expires(world: World) -> None:
    client = signed_in(world.erin)
    old = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])
    detail = reverse("accounts:credential", kwargs={"pk": old.pk})

    response = client.post(
        reverse("accounts:credential_rotate", kwargs={"pk": old.pk}),
        {"overlap_hours": "2", "once": _once(client, detail)},
    )

    new_token = _token(response)
    assert _whoami(new_token).status_code == 200
    assert _whoami(world.feed_token).status_code == 200
    ApiCredential.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = _whoami(world.feed_token)
    assert (expired.status_code, expired["Content-Type"], expired.json()["reason"]) == (
        401,
        "application/problem+json",
        "expired",
    )
    old.refresh_from_db()
    assert old.replaced_by is not None
    assert old.replaced_by.scopes == old.scopes


def test_rotation_form_sent_twice_rotates_once(world: World) -> None:
    client = signed_in(world.erin)
    old = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])
    data = {
        "overlap_hours": "0",
        "once": _once(client, reverse("accounts:credential", kwargs={"pk": old.pk})),
    }
    url = reverse("accounts:credential_rotate", kwargs={"pk": old.pk})
    _token(client.post(url, data))

    again = client.post(url, data)

    assert again.status_code == 302
    assert ApiCredential.objects.filter(organisation=world.isp).count() == 2
    assert _whoami(world.feed_token).json()["reason"] == "revoked"


def test_revocation_from_the_page_is_effective_at_once(world: World) -> None:
    client = signed_in(world.erin)
    credential = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])

    client.post(
        reverse("accounts:credential_revoke", kwargs={"pk": credential.pk}),
        {"reason": "contract ended"},
    )

    response = _whoami(world.feed_token)
    assert (response.status_code, response.json()["reason"]) == (401, "revoked")
    event = AuditEvent.objects.get(action="credential.revoke")
    assert (event.actor, event.detail) == ("user:erin", {"reason": "contract ended"})


def test_revocation_needs_post_and_csrf(world: World) -> None:
    client = signed_in(world.erin)
    client.handler.enforce_csrf_checks = True
    credential = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])
    url = reverse("accounts:credential_revoke", kwargs={"pk": credential.pk})

    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert _whoami(world.feed_token).status_code == 200


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("nonsense", "malformed"),
        ("hl_0000000000000000_secret", "unknown"),
    ],
)
def test_refusals_carry_a_reason_code(world: World, token: str, reason: str) -> None:
    response = _whoami(token)

    assert (response.status_code, response["Content-Type"], response.json()["reason"]) == (
        401,
        "application/problem+json",
        reason,
    )


def test_admin_cannot_add_or_change_credentials(world: World) -> None:
    client = signed_in(world.erin)
    credential = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])

    add = client.get("/staff/admin/accounts/apicredential/add/")
    change = client.post(
        f"/staff/admin/accounts/apicredential/{credential.pk}/change/",
        {"name": "x", "scopes": "[]"},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    credential.refresh_from_db()
    assert credential.name == "feed"
    view = client.get(f"/staff/admin/accounts/apicredential/{credential.pk}/change/")
    assert view.status_code == 200
    assert "feed:rpz" in view.content.decode()


def test_only_administrators_reach_the_pages(world: World) -> None:
    assert signed_in(world.charlie).get(reverse("accounts:credentials")).status_code == 403
    listing = signed_in(world.erin).get(reverse("accounts:credentials")).content.decode()
    assert world.feed_token.split("_")[1] in listing
    assert world.feed_token.split("_", 2)[2] not in listing


def test_rotating_a_revoked_credential_is_refused(world: World) -> None:
    credential = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])
    actions.revoke_credential(credential, acting_user=None)

    with pytest.raises(actions.CredentialInputError, match="revoked or expired"):
        actions.rotate_credential(credential, acting_user=None)
