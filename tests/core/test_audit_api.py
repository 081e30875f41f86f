"""``GET /api/v1/audit/head`` and ``checkpoint``: partners fetch signed heads and consistency
proofs."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from hotline.audit import checkpoint, merkle, signing
from hotline.audit.actions import record
from hotline.audit.models import AuditEvent
from hotline.audit.queries import latest_head
from tests.conftest import World

URL = "/api/v1/audit/head"


def _get(token: str, **params: str) -> object:
    return Client().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_head_is_signed_fresh_and_the_fetch_is_audited(world: World) -> None:
    record("test.before", actor=None)

    response = _get(world.feed_token)

    body = response.json()  # type: ignore[attr-defined]
    head = body["head"]
    assert response.status_code == 200  # type: ignore[attr-defined]
    # Everything committed before the request is in the head it answers with.
    assert head["tree_size"] == AuditEvent.objects.filter(seq__isnull=False).count()
    assert (
        AuditEvent.objects.filter(seq__isnull=True).exclude(action="audit.head_pull").count() == 0
    )
    statement = signing.signed_bytes(
        origin=head["origin"],
        tree_size=head["tree_size"],
        root_hash=head["root_hash"],
        timestamp_ms=head["timestamp_ms"],
    )
    key = signing.signing_key().public_key()
    assert body["public_key"] == signing.public_key_bytes(key).hex()
    assert signing.signature_ok(statement, head["signature"], key)
    pull = AuditEvent.objects.get(action="audit.head_pull")
    assert pull.detail == {"tree_size": head["tree_size"]}
    assert pull.actor.startswith("client:")


def test_consistency_from_a_pinned_head_verifies(world: World) -> None:
    pinned = _get(world.feed_token).json()["head"]  # type: ignore[attr-defined]
    for i in range(3):
        record("test.later", actor=None, object_id=i)

    response = _get(world.intake_token, **{"from": str(pinned["tree_size"])})

    proof = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert proof["kind"] == "consistency"
    assert proof["first"] == pinned
    assert proof["second"]["tree_size"] > pinned["tree_size"]
    assert merkle.verify_consistency(
        first_size=pinned["tree_size"],
        second_size=proof["second"]["tree_size"],
        first_root=bytes.fromhex(pinned["root_hash"]),
        second_root=bytes.fromhex(proof["second"]["root_hash"]),
        path=[bytes.fromhex(h) for h in proof["consistency_path"]],
    )


@pytest.mark.parametrize("value", ["-1", "0", "abc", "1" * 30])
def test_bad_from_is_refused_naming_the_field(world: World, value: str) -> None:
    response = _get(world.feed_token, **{"from": value})

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["errors"] == [  # type: ignore[attr-defined]
        {"field": "from", "message": "a positive whole number"}
    ]


def test_a_head_the_log_never_signed_is_a_404_that_says_so(world: World) -> None:
    response = _get(world.feed_token, **{"from": "999999"})

    assert response.status_code == 404  # type: ignore[attr-defined]
    assert "no signed head of 999999 events" in response.json()["detail"]  # type: ignore[attr-defined]


def test_no_credential_no_head(world: World) -> None:
    assert Client().get(URL).status_code == 401


def test_the_checkpoint_is_the_newest_head_signed_as_a_note_and_the_fetch_is_audited(
    world: World,
) -> None:
    record("test.before", actor=None)

    response = Client().get(
        "/api/v1/audit/checkpoint", HTTP_AUTHORIZATION=f"Bearer {world.intake_token}"
    )

    head = latest_head()
    assert head is not None
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/plain; charset=utf-8"  # type: ignore[index]
    body, _, signature_line = response.content.decode().partition("\n\n")  # type: ignore[attr-defined]
    origin = checkpoint.origin_of(head.origin)
    assert body + "\n" == checkpoint.checkpoint_body(
        origin, head.tree_size, bytes.fromhex(head.root_hash)
    )
    dash, name, encoded = signature_line.rstrip("\n").split(" ")
    raw = base64.b64decode(encoded)
    key = signing.signing_key().public_key()
    assert (dash, name, raw[:4]) == ("\u2014", origin, checkpoint.key_id(origin, key))
    key.verify(raw[4:], (body + "\n").encode())  # raises when the signature is wrong
    pull = AuditEvent.objects.get(action="audit.checkpoint_pull")
    assert pull.detail == {"tree_size": head.tree_size}
