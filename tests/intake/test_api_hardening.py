"""Each input that once made the intake API answer 500, with the exact input: now a 4xx
problem document naming the field and the rule, and nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hotline.cases.models import Item, Report
from hotline.intake.models import IdempotencyKey
from tests.conftest import World
from tests.intake.test_api import post, report

pytestmark = pytest.mark.django_db


def _refused(response: Any, field: str, message: str) -> None:
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [(field, message)]
    assert Report.objects.count() == 0
    assert Item.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


ONE_OF = "must be one of csam, online_enticement, sextortion, child_sex_trafficking, other"
NUL = "must not contain the NUL character (\\u0000)"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"incident_type": {"a": 1}}, "reports[0].incident_type", ONE_OF),
        ({"incident_type": ["csam"]}, "reports[0].incident_type", ONE_OF),
        ({"description": "a\u0000b"}, "reports[0].description", NUL),
        ({"external_id": "e\u0000"}, "reports[0].external_id", NUL),
        ({"urls": ["http://example.test/\u0000"]}, "reports[0].urls[0]", NUL),
        (
            {"reported_accounts": [{"username": "u\u0000"}]},
            "reports[0].reported_accounts[0].username",
            NUL,
        ),
        (
            {"files": [{"md5": "c" * 32, "size": 99999999999999999999}]},
            "reports[0].files[0].size",
            "must be a whole number from 0 to 9007199254740991",
        ),
        (
            {"incident_time": "2026-11-27T08:30:00+24:00"},
            "reports[0].incident_time",
            "the time zone offset must be between -23:59 and +23:59",
        ),
        (
            {"urls": ["http://" + ("a" * 60 + ".") * 5 + "example.test/"]},
            "reports[0].urls[0]",
            "The site name is longer than 253 characters.",
        ),
        (
            {"urls": ["http://" + "a" * 64 + ".example.test/"]},
            "reports[0].urls[0]",
            "A part of the site name between dots is longer than 63 characters.",
        ),
        ({"urgent_reason": None}, "reports[0].urgent_reason", "must be a string"),
        (
            {"reported_accounts": [{"username": ""}]},
            "reports[0].reported_accounts[0].username",
            "must not be empty",
        ),
    ],
)
def test_value_that_once_crashed_is_a_422_naming_field_and_rule(
    world: World, extra: dict[str, Any], field: str, message: str
) -> None:
    _refused(post(world, {"reports": [report(**extra)]}, key="k-1"), field, message)


def test_lone_surrogate_is_a_422(world: World) -> None:
    raw = json.dumps({"reports": [report()]})[:-3] + ', "platform": "\\ud800"}]}'

    response = post(world, None, raw=raw.encode(), key="k-1")

    _refused(
        response,
        "reports[0].platform",
        "must be Unicode text (a lone surrogate such as \\ud800 is not)",
    )


def test_offset_beyond_what_postgresql_stores_is_kept_as_the_same_instant(world: World) -> None:
    response = post(world, {"reports": [report(incident_time="2026-11-27T08:30:00+16:00")]})

    assert response.status_code == 201
    assert Report.objects.get().incident_time.isoformat() == "2026-11-26T16:30:00+00:00"


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "body is not readable JSON: nested too deeply"),
        (
            b'{"reports": [{"external_id": "a\x00"}]}',
            "body is not valid JSON: Invalid control character at: line 1 column 32 (char 31)",
        ),
    ],
)
def test_unreadable_json_is_a_400_problem(world: World, raw: bytes, detail: str) -> None:
    response = post(world, None, raw=raw)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == detail


def test_bad_reference_in_the_path_is_a_422(world: World) -> None:
    response = Client().get(
        "/api/v1/reports/HL-%00", HTTP_AUTHORIZATION=f"Bearer {world.intake_token}"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "reference", "message": "must not contain the NUL character (\\u0000)"}
    ]


def test_six_megabyte_body_is_a_413_problem(world: World) -> None:
    body = json.dumps({"reports": [report(description="x" * 6_000_000)]}).encode()

    response = post(world, None, raw=body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert Report.objects.count() == 0


def test_djangos_own_upload_limit_is_a_413_problem(world: World, settings: Any) -> None:
    settings.MEDIA_UPLOADS = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    reference = post(world, {"reports": [report()]}).json()["reports"][0]["reference"]

    response = Client().post(
        f"/api/v1/reports/{reference}/media",
        {"note": "x" * 5000},
        HTTP_AUTHORIZATION=f"Bearer {world.intake_token}",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("token", "status"), [(None, 401), ("hl_nosuch_secret", 401), ("feed", 403), ("intake", 405)]
)
def test_credential_is_checked_before_the_method(
    world: World, token: str | None, status: int
) -> None:
    tokens = {"feed": world.feed_token, "intake": world.intake_token}
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {tokens.get(token, token)}"}

    response = Client().get("/api/v1/reports", **headers)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_api_path_is_a_problem_document_not_html(world: World) -> None:
    response = Client().get("/api/v1/no/such/endpoint")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
