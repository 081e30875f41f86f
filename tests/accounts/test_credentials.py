from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from hotline.accounts import actions
from hotline.accounts.models import ApiCredential, ClientKind, Scope
from tests.conftest import World


def _whoami(token: str) -> object:
    return Client().get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_credential_secret_is_stored_hashed(world: World) -> None:
    key_id = world.feed_token.split("_")[1]
    secret = world.feed_token.split("_", 2)[2]
    credential = ApiCredential.objects.get(key_id=key_id)

    assert secret not in credential.secret_hash
    assert len(credential.secret_hash) == 64


def test_valid_credential_is_accepted(world: World) -> None:
    response = _whoami(world.feed_token)

    assert response.status_code == 200
    assert response.json()["scopes"] == ["feed:rpz"]


def test_revoked_credential_is_refused_with_reason(world: World) -> None:
    credential = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])
    actions.revoke_credential(credential, acting_user=world.erin, reason="contract ended")

    response = _whoami(world.feed_token)

    assert response.status_code == 401
    assert (
        response.json()["detail"]
        == "credential revoked; ask the instance administrator for a new one"
    )


def test_rotation_issues_a_working_successor_and_revokes_the_old(world: World) -> None:
    old = ApiCredential.objects.get(key_id=world.feed_token.split("_")[1])

    issued = actions.rotate_credential(old, acting_user=world.erin)

    assert _whoami(issued.token).status_code == 200
    assert _whoami(world.feed_token).status_code == 401
    assert issued.credential.scopes == old.scopes


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer nonsense", "malformed token: expected hl_<key id>_<secret>"),
        ("Bearer hl_0000000000000000_secret", "unknown credential"),
        ("Basic dXNlcjpwYXNz", "Send 'Authorization: Bearer <token>'."),
    ],
)
def test_bad_credentials_get_clear_errors(world: World, header: str, detail: str) -> None:
    response = Client().get("/api/v1/whoami", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["detail"] == detail


def test_wrong_secret_for_known_key_is_unknown(world: World) -> None:
    key_id = world.feed_token.split("_")[1]

    assert _whoami(f"hl_{key_id}_not-the-secret").status_code == 401


def test_unknown_scope_cannot_be_issued(world: World) -> None:
    with pytest.raises(ValueError, match="'feed:everything' is not a valid Scope"):
        actions.issue_credential(
            organisation=world.isp,
            name="x",
            kind=ClientKind.FEED_CONSUMER,
            scopes=["feed:everything"],
            acting_user=None,
        )
    assert not ApiCredential.objects.filter(name="x").exists()


def test_scope_check_rejects_missing_scope(world: World) -> None:
    with pytest.raises(actions.CredentialError, match="lacks the 'intake' scope"):
        actions.authenticate_token(world.feed_token, scope=Scope.INTAKE)


def test_the_authenticated_credential_is_the_stored_one_with_its_organisation(
    world: World,
) -> None:
    """``authenticate_token`` reads the credential and its organisation with a statement of its
    own; what it returns must be what the ORM loads (types included: JSON scopes, aware dates,
    booleans), with the organisation attached (no second query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    key_id = world.feed_token.split("_")[1]
    stored = ApiCredential.objects.select_related("organisation").get(key_id=key_id)
    ApiCredential.objects.filter(pk=stored.pk).update(
        last_used_at=timezone.now(), expires_at=timezone.now() + timedelta(days=1)
    )
    stored.refresh_from_db()

    with CaptureQueriesContext(connection) as queries:
        credential = actions.authenticate_token(world.feed_token, scope=Scope.FEED_RPZ)
        organisation = credential.organisation
    assert len(queries) == 1  # last_used_at is recent: nothing written

    def values(obj: object) -> dict[str, object]:
        return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]

    assert values(credential) == values(stored)
    assert values(organisation) == values(stored.organisation)
    assert isinstance(credential.scopes, list)
    assert credential.expires_at is not None
    assert credential.expires_at.tzinfo is not None
    assert not credential._state.adding
    assert isinstance(organisation.is_own, bool)
