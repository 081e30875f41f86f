from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from hotline.cases.models import Item, Report
from hotline.intake.models import IdempotencyKey
from hotline.intake.schema import MAX_FILES
from tests.conftest import World

pytestmark = pytest.mark.django_db

SHA256 = "a" * 64


def report(external_id: str = "esp-1", **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "incident_type": "csam",
        "incident_time": "2026-11-27T08:30:00Z",
        "platform": "Synthetic Chat",
        "urls": ["https://cdn.example.test/x/1.jpg"],
        "files": [{"file_name": "1.jpg", "sha256": SHA256, "md5": "b" * 32, "size": 1234}],
        "reported_accounts": [{"platform": "Synthetic Chat", "username": "user.invalid"}],
        "annotations": ["generative_ai"],
        **extra,
    }


def post(
    world: World,
    body: Any,
    key: str = "",
    token: str | None = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token or world.intake_token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = raw if raw is not None else json.dumps(body)
    return Client().post("/api/v1/reports", data=data, content_type=content_type, **headers)


def test_good_batch_is_stored_with_references(world: World) -> None:
    response = post(
        world, {"reports": [report("esp-1"), report("esp-2", urls=["http://other.example.test/"])]}
    )

    assert response.status_code == 201
    results = response.json()["reports"]
    assert [(r["external_id"], r["result"]) for r in results] == [
        ("esp-1", "created"),
        ("esp-2", "created"),
    ]
    stored = Report.objects.get(external_id="esp-1")
    assert stored.submitted_by == world.hotline_b
    assert stored.annotations == ["generative_ai"]
    assert stored.reported_accounts == [{"platform": "Synthetic Chat", "username": "user.invalid"}]
    assert Item.objects.filter(kind="file", sha256=SHA256).count() == 1  # shared by both reports
    assert Item.objects.get(kind="file").report_count == 2


def test_retried_batch_with_same_key_replays_the_answer_without_duplicates(world: World) -> None:
    body = {"reports": [report("esp-1")]}
    first = post(world, body, key="batch-0001")

    second = post(world, body, key="batch-0001")

    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_retried_batch_without_key_is_recognised_by_external_id(world: World) -> None:
    body = {"reports": [report("esp-1")]}
    first = post(world, body)

    second = post(world, body)

    assert second.status_code == 200
    assert second.json()["reports"][0]["result"] == "duplicate"
    assert second.json()["reports"][0]["reference"] == first.json()["reports"][0]["reference"]
    assert Report.objects.count() == 1


def test_key_reused_for_a_different_body_is_refused(world: World) -> None:
    post(world, {"reports": [report("esp-1")]}, key="k1")

    response = post(world, {"reports": [report("esp-2")]}, key="k1")

    assert response.status_code == 422
    assert response.json()["title"] == "Idempotency-Key reused"
    assert Report.objects.count() == 1


def test_hash_only_submission_is_first_class(world: World) -> None:
    body = {
        "reports": [{"external_id": "h-1", "incident_type": "csam", "files": [{"md5": "c" * 32}]}]
    }

    assert post(world, body).status_code == 201
    assert Item.objects.get().md5 == "c" * 32


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"reports": []}, [("reports", "must be a non-empty list of reports")]),
        (
            {"report": [report()]},
            [("report", "unknown field"), ("reports", "must be a non-empty list of reports")],
        ),
        ([report()], [("", 'the body must be an object like {"reports": [...]}')]),
        ({"reports": [report(external_id="")]}, [("reports[0].external_id", "required")]),
        (
            {"reports": [report(incident_type="spam")]},
            [
                (
                    "reports[0].incident_type",
                    "must be one of csam, online_enticement, sextortion, child_sex_trafficking, other",
                )
            ],
        ),
        (
            {"reports": [report(incident_time="yesterday")]},
            [("reports[0].incident_time", "not an ISO 8601 date-time, e.g. 2026-11-28T10:15:00Z")],
        ),
        (
            {"reports": [report(incident_time="2026-11-27T08:30:00")]},
            [
                (
                    "reports[0].incident_time",
                    "needs a time zone, e.g. 2026-11-28T10:15:00Z or +01:00",
                )
            ],
        ),
        (
            {"reports": [report(urls=["http://"])]},
            [
                (
                    "reports[0].urls[0]",
                    "The web address has no site name; enter it in full, as in http://example.test/page.",
                )
            ],
        ),
        (
            {"reports": [report(files=[{"sha256": "xyz"}])]},
            [("reports[0].files[0].sha256", "must be 64 hexadecimal characters")],
        ),
        (
            {"reports": [report(files=[{"md5": "c" * 32, "pdq_quality": 101}])]},
            [("reports[0].files[0].pdq_quality", "must be a whole number from 0 to 100")],
        ),
        (
            {"reports": [report(annotations=["funny"])]},
            [
                (
                    "reports[0].annotations[0]",
                    "must be one of sextortion, generative_ai, self_generated, livestream, viral, potential_meme, trafficking, infant_or_toddler",
                )
            ],
        ),
        (
            {"reports": [report(reported_accounts=[{}])]},
            [
                (
                    "reports[0].reported_accounts[0]",
                    "give at least one of platform, username, user_id, display_name, email, profile_url",
                )
            ],
        ),
        (
            {"reports": [report(child_in_danger="yes")]},
            [("reports[0].child_in_danger", "must be true or false")],
        ),
        ({"reports": [report(colour="red")]}, [("reports[0].colour", "unknown field")]),
        (
            {"reports": [{"external_id": "x", "incident_type": "csam"}]},
            [("reports[0]", "give at least one URL or one file's hashes")],
        ),
        (
            {"reports": [report("same"), report("same")]},
            [("reports[1].external_id", "repeats reports[0].external_id")],
        ),
    ],
)
def test_each_kind_of_bad_input_gets_field_errors_and_nothing_is_stored(
    world: World, body: Any, errors: list[tuple[str, str]]
) -> None:
    good_then_bad = body
    response = post(world, good_then_bad, key="bad-1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == errors
    assert Report.objects.count() == 0
    assert Item.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_one_bad_report_in_a_batch_stores_none(world: World) -> None:
    response = post(world, {"reports": [report("ok-1"), report("bad", urls=["http://"])]})

    assert response.status_code == 422
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "content_type", "detail"),
    [
        (
            b"{not json",
            "application/json",
            "body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (
            b"reports=1",
            "application/x-www-form-urlencoded",
            "send the body as JSON with 'Content-Type: application/json'",
        ),
    ],
)
def test_unreadable_body_is_a_clear_400(
    world: World, raw: bytes, content_type: str, detail: str
) -> None:
    response = post(world, None, raw=raw, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_feed_token_cannot_submit(world: World) -> None:
    response = post(world, {"reports": [report()]}, token=world.feed_token)

    assert response.status_code == 403
    assert response.json()["detail"] == "credential lacks the 'intake' scope"


def test_status_endpoint_shows_only_own_reports(world: World) -> None:
    reference = post(world, {"reports": [report()]}).json()["reports"][0]["reference"]
    client = Client()

    mine = client.get(
        f"/api/v1/reports/{reference}", HTTP_AUTHORIZATION=f"Bearer {world.intake_token}"
    )

    assert mine.status_code == 200
    assert mine.json()["status"] == "received"


def test_each_answered_status_url_opens_that_reports_status(world: World, settings: Any) -> None:
    """The status URL of every report of a batch, created or a duplicate, is the report's own
    (one ``reverse`` made for the batch, the reference put in)."""
    settings.BASE_URL = "https://hotline.example.test/prefix"
    first = post(world, {"reports": [report("esp-1")]}).json()["reports"]
    answer = post(world, {"reports": [report("esp-1"), report("esp-2"), report("esp-3")]})
    results = answer.json()["reports"]

    assert [r["result"] for r in results] == ["duplicate", "created", "created"]
    assert results[0]["reference"] == first[0]["reference"]
    for result in results:
        url = result["status_url"]
        assert url == f"https://hotline.example.test/prefix/api/v1/reports/{result['reference']}"
        status = Client().get(
            url.removeprefix(settings.BASE_URL),
            HTTP_AUTHORIZATION=f"Bearer {world.intake_token}",
        )
        assert status.status_code == 200, url
        assert status.json()["reference"] == result["reference"]


def test_a_batch_of_reports_with_the_most_files_each_is_stored(world: World) -> None:
    """25 reports of 1,000 new files each (MAX_FILES): stored in one request. A lock per file
    hash (tried for duplicate file items) does not fit PostgreSQL's shared lock table at this
    size (64 per connection by default; one transaction ran out between 12,000 and 20,000
    advisory locks) and the request failed."""
    reports = [
        report(f"many-{r}", urls=[], files=[{"md5": f"{r:04x}{f:028x}"} for f in range(MAX_FILES)])
        for r in range(25)
    ]

    response = post(world, {"reports": reports})

    assert response.status_code == 201, response.content[:500]
    assert Item.objects.filter(kind="file").count() == 25 * MAX_FILES
    assert Report.objects.filter(external_id__startswith="many-").count() == 25


def test_openapi_document_describes_the_endpoints(world: World) -> None:
    doc = Client().get("/api/v1/openapi.json").json()

    assert doc["openapi"] == "3.1.0"
    assert sorted(doc["paths"]) == [
        "/reports",
        "/reports/{reference}",
        "/reports/{reference}/media",
    ]


def test_company_can_attach_the_file_behind_its_hashes_where_media_is_on(
    world: World, settings: Any
) -> None:
    import hashlib

    from tests.matching.test_uploads import benign_jpeg

    settings.MEDIA_UPLOADS = True
    data = benign_jpeg()
    body = {
        "reports": [report("m-1", urls=[], files=[{"sha256": hashlib.sha256(data).hexdigest()}])]
    }
    reference = post(world, body).json()["reports"][0]["reference"]
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}"}

    wrong = client.post(
        f"/api/v1/reports/{reference}/media", {"file": io.BytesIO(b"GIF89a" + b"\0" * 100)}, **auth
    )
    right = client.post(f"/api/v1/reports/{reference}/media", {"file": io.BytesIO(data)}, **auth)

    assert wrong.status_code == 422
    assert right.status_code == 201
    from hotline.matching.models import MediaFile

    assert MediaFile.objects.get().uploaded_by.startswith("client:")


def test_media_upload_is_refused_when_the_hotline_keeps_hashes_only(world: World) -> None:
    reference = post(world, {"reports": [report("m-2")]}).json()["reports"][0]["reference"]

    response = Client().post(
        f"/api/v1/reports/{reference}/media",
        {"file": io.BytesIO(b"x")},
        HTTP_AUTHORIZATION=f"Bearer {world.intake_token}",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "This hotline keeps hashes only: send hashes, not files."
