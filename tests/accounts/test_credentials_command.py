"""``hotline credentials``: the same actions as the staff pages, from a shell."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from hotline.accounts.models import ApiCredential, Scope
from hotline.audit.models import AuditEvent
from tests.conftest import World


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("credentials", *args, stdout=out)
    return out.getvalue()


def _whoami(token: str) -> tuple[int, str]:
    response = Client().get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, response.json().get("reason", "")


def test_issue_prints_the_token_once_as_last_line(world: World) -> None:
    output = _run(
        "issue",
        "--organisation=ISP",
        "--name=resolvers",
        "--kind=feed_consumer",
        "--scope=feed:rpz",
        "--scope=feed:urls",
    )

    token = output.splitlines()[-1]
    credential = ApiCredential.objects.get(name="resolvers")
    assert output.splitlines()[0] == (
        f"Issued {credential.key_id} (resolvers, ISP) with feed:rpz, feed:urls. "
        "The token is shown this once:"
    )
    assert _whoami(token) == (200, "")
    assert AuditEvent.objects.filter(action="credential.issue", actor="system").count() == 4


def test_issue_refuses_an_unknown_scope(world: World) -> None:
    with pytest.raises(CommandError, match="--scope: 'feed:everything' is not a valid Scope"):
        _run(
            "issue",
            "--organisation=ISP",
            "--name=x",
            "--kind=feed_consumer",
            "--scope=feed:everything",
        )
    assert not ApiCredential.objects.filter(name="x").exists()


def test_issue_refuses_an_unknown_organisation(world: World) -> None:
    with pytest.raises(CommandError, match="--organisation: no organisation named 'Nobody'"):
        _run(
            "issue", "--organisation=Nobody", "--name=x", "--kind=feed_consumer", "--scope=feed:rpz"
        )


def test_list_rotate_and_revoke(world: World) -> None:
    key_id = world.feed_token.split("_")[1]

    rotated = _run("rotate", key_id, "--overlap-hours=1")
    new_token = rotated.splitlines()[-1]
    new_key = new_token.split("_")[1]
    assert _whoami(world.feed_token) == (200, "")
    listing = _run("list").splitlines()
    assert [line.split("\t")[0] for line in listing if "\tISP\t" in line] == sorted(
        [key_id, new_key], key=lambda k: ApiCredential.objects.get(key_id=k).created_at
    )

    _run("revoke", key_id, "--reason=old token leaked")

    assert _whoami(world.feed_token) == (401, "revoked")
    assert _whoami(new_token) == (200, "")
    assert key_id not in _run("list")
    assert key_id in _run("list", "--all")


def test_rotate_refuses_a_too_long_overlap(world: World) -> None:
    with pytest.raises(CommandError, match="--overlap-hours: between 0 and 720"):
        _run("rotate", world.feed_token.split("_")[1], "--overlap-hours=9999")


def test_scopes_lists_every_scope(db: None) -> None:
    lines = _run("scopes").splitlines()

    assert [line.split("\t")[0] for line in lines] == list(Scope.values)
