from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.actions import issue_credential
from hotline.accounts.models import ClientKind, Scope
from hotline.audit.models import AuditEvent
from hotline.cases import victim_id
from hotline.cases.actions import (
    FileInput,
    ReportInput,
    Verdict,
    assess_item,
    file_report,
    record_enrichment,
)
from hotline.cases.models import Channel, Concern, Item
from hotline.matching.models import HashEntry, HashListSource
from hotline.matching.sync import reset_shared_index
from hotline.routing.models import Referral, ReferralStatus
from tests.conftest import World
from tests.routing.factories import routing_world

pytestmark = pytest.mark.django_db

BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)
MD5 = "1" * 32
SHA256 = "2" * 64


def _file_item(md5: str = MD5, sha256: str = SHA256) -> Item:
    return file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            files=[FileInput(md5=md5, sha256=sha256, file_size=10)],
        ),
        actor=None,
    ).new_items[0]


@pytest.fixture(autouse=True)
def _fresh_index(settings: Any) -> None:
    settings.MATCHING_INDEX_REFRESH_SECONDS = 0
    reset_shared_index()


def test_confirmed_baseline_file_adds_its_hashes_to_the_own_list(world: World) -> None:
    routing_world()
    item = _file_item()

    assess_item(item, BASELINE, acting_user=world.alice)

    entries = HashEntry.objects.filter(hash_list__source=HashListSource.OWN)
    assert sorted((e.algorithm, e.value, e.category) for e in entries) == [
        ("md5", MD5, "baseline"),
        ("sha256", SHA256, "baseline"),
    ]
    referral = Referral.objects.get(item=item, destination="hashlist")
    assert (referral.status, referral.outcome) == (
        ReferralStatus.CLOSED,
        "added to the own hash list (2 new hashes)",
    )


def test_a_later_report_of_the_same_file_matches_the_own_list(world: World) -> None:
    from hotline.cases.tasks import enrich_item

    routing_world()
    assess_item(_file_item(), BASELINE, acting_user=world.alice)
    reset_shared_index()

    again = file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            files=[FileInput(md5="3" * 32, sha256=SHA256)],
        ),
        actor=None,
    )
    assert again.known_items  # same sha256: the same item, with its verdict
    other = _file_item(md5="4" * 32, sha256="5" * 64)
    enrich_item.call(item_id=other.pk)
    assert Item.objects.get(pk=other.pk).known_match == {}


def test_victim_id_export_flags_new_material_only(world: World) -> None:
    routing_world()
    new = _file_item()
    known = _file_item(md5="6" * 32, sha256="7" * 64)
    record_enrichment(known, known_match={"list": "Partner list", "category": "baseline"})
    assess_item(new, BASELINE, acting_user=world.alice)
    assess_item(known, BASELINE, acting_user=world.alice)

    out = io.BytesIO()
    written, flagged = victim_id.export(out)

    doc = json.loads(out.getvalue())
    assert (written, flagged) == (2, 1)
    by_md5 = {m["MD5"]: m for m in doc["value"]}
    assert by_md5[MD5.upper()]["Tags"] == ["hotline:new-material"]
    assert by_md5["6" * 32]["Tags"] == []
    assert set(by_md5[MD5.upper()]) == {
        "MediaID",
        "Category",
        "IsPrecategorized",
        "MD5",
        "SHA256",
        "MediaSize",
        "DateUpdated",
        "Tags",
        "Comments",
    }


def _match_client(world: World) -> tuple[Client, str]:
    token = issue_credential(
        organisation=world.isp,
        name="matcher",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.MATCH],
        acting_user=None,
    ).token
    return Client(), token


def test_match_api_answers_known_and_unknown_hashes(world: World) -> None:
    routing_world()
    assess_item(_file_item(), BASELINE, acting_user=world.alice)
    reset_shared_index()
    client, token = _match_client(world)

    response = client.post(
        "/api/v1/match",
        data=json.dumps({"hashes": [f"md5:{MD5}", "md5:" + "9" * 32]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [len(r["matches"]) for r in results] == [1, 0]
    assert results[0]["matches"][0]["classification"] == "baseline"
    assert AuditEvent.objects.filter(action="matching.api.lookup").count() == 1


def test_match_api_refuses_bad_hashes_with_field_errors(world: World) -> None:
    client, token = _match_client(world)

    response = client.post(
        "/api/v1/match",
        data=json.dumps({"hashes": ["md5:xyz", 7]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["hashes[0]", "hashes[1]"]


def test_match_api_is_rate_limited(world: World, settings: Any) -> None:
    settings.MATCHING_API_REQUESTS_PER_MINUTE = 2
    client, token = _match_client(world)
    body = json.dumps({"hashes": ["md5:" + "9" * 32]})

    statuses = [
        client.post(
            "/api/v1/match",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
