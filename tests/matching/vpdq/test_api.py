"""``POST /api/v1/match`` with videos: a company sends a video's vPDQ (hash only) and learns
whether it is known, with the shares; bad vPDQ is a 422 naming the field, nothing looked up."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.actions import issue_credential
from hotline.accounts.models import ClientKind, Scope
from hotline.audit.models import AuditEvent
from hotline.matching import actions
from hotline.matching.sync import reset_shared_index
from hotline.matching.vpdq.features import VpdqFeature, to_text, to_threatexchange
from tests.conftest import World

pytestmark = pytest.mark.django_db

RNG = random.Random(3)
KNOWN = tuple(VpdqFeature(n * 30, 100, f"{RNG.getrandbits(256):064x}", float(n)) for n in range(10))


@pytest.fixture
def token(world: World, settings: Any) -> str:
    settings.MATCHING_INDEX_REFRESH_SECONDS = 0
    reset_shared_index()
    hash_list = actions.create_hash_list(
        name="Known videos", category_mapping={"1": "baseline"}, acting_user=None
    )
    actions.add_video_hash(hash_list, features=KNOWN, category="1", acting_user=None)
    return issue_credential(
        organisation=world.isp,
        name="matcher",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.MATCH],
        acting_user=None,
    ).token


def _post(token: str, body: object) -> Any:
    return Client().post(
        "/api/v1/match",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_clip_sent_as_text_matches_the_known_video_with_its_shares(token: str) -> None:
    clip = to_text(KNOWN[2:6])
    unrelated = to_threatexchange(
        [VpdqFeature(n, 100, f"{RNG.getrandbits(256):064x}", float(n)) for n in range(5)]
    )

    response = _post(token, {"videos": [clip, unrelated]})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "results": [],
        "videos": [
            {
                "video": 0,
                "frames": 4,
                "matches": [
                    {
                        "list": "Known videos",
                        "trust_level": 2,
                        "algorithm": "vpdq",
                        "query_match_percent": 100.0,
                        "index_match_percent": 40.0,
                        "classification": "baseline",
                    }
                ],
            },
            {"video": 1, "frames": 5, "matches": []},
        ],
    }
    event = AuditEvent.objects.get(action="matching.api.lookup")
    assert (event.detail["videos"], event.detail["videos_matched"]) == (2, 1)


def test_threatexchange_json_list_is_accepted_as_json_itself(token: str) -> None:
    response = _post(token, {"videos": [json.loads(to_threatexchange(KNOWN))]})

    assert [len(v["matches"]) for v in response.json()["videos"]] == [1]


def test_bad_vpdq_is_refused_naming_the_field(token: str) -> None:
    response = _post(token, {"hashes": ["md5:" + "9" * 32], "videos": [to_text(KNOWN), "0,1,2"]})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "videos[1]",
            "message": "line 1: expected frame_number,quality,pdq_hex,timestamp, got 3 fields",
        }
    ]
    assert not AuditEvent.objects.filter(action="matching.api.lookup").exists()


@pytest.mark.parametrize("body", [{}, {"videos": "x"}, {"videos": [to_text(KNOWN)] * 11}])
def test_a_request_without_hashes_or_videos_or_with_too_many_is_refused(
    token: str, body: object
) -> None:
    assert _post(token, body).status_code == 422
