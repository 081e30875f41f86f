"""The public removal pages: the JSON submission (422 naming the field, nothing stored; 429 over
the rate limit), the receipt's status page with withdrawal, and the staff page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.matching import self_submitted
from hotline.matching.models import SelfSubmission
from tests.conftest import World, signed_in
from tests.matching.self_submissions import image, submit, video

pytestmark = pytest.mark.django_db


def _post(client: Client, body: Any) -> Any:
    return client.post(reverse("removal:submit"), json.dumps(body), content_type="application/json")


def test_page_says_it_needs_javascript_and_links_the_alternatives(client: Client) -> None:
    page = client.get(reverse("removal:page")).content.decode()

    assert "<noscript>" in page
    assert reverse("intake:report_online") in page
    assert 'id="removal-app" hidden' in page
    assert "<script>" not in page
    assert "style=" not in page  # the strict CSP holds


def test_home_links_the_page(client: Client) -> None:
    assert reverse("removal:page") in client.get("/").content.decode()


def test_submit_answers_with_the_receipt(client: Client, world: World) -> None:
    response = _post(client, {"files": [image(), video()], "receipt": True})

    assert response.status_code == 201
    body = json.loads(response.content)
    submission = SelfSubmission.objects.get()
    assert (body["reference"], body["state"], body["files"]) == (
        submission.reference,
        "distributed",
        2,
    )
    assert self_submitted.check_self_receipt(body["reference"], body["secret"]) == submission


def test_submit_without_receipt_gives_no_reference(client: Client, world: World) -> None:
    body = json.loads(_post(client, {"files": [image()], "receipt": False}).content)

    assert (body["reference"], body["secret"]) == ("", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"files": [{**image(), "pdq": "zz"}]}, "files[0].pdq"),
        ({"files": [{**image(), "pdq_quality": 250}]}, "files[0].pdq_quality"),
        ({"files": [image()] * 51}, "files"),
        ({"files": [{**image(), "bytes": "/9j/4AAQ"}]}, "files[0].bytes"),
    ],
)
def test_bad_submission_is_422_naming_the_field_and_stores_nothing(
    client: Client, world: World, body: Any, field: str
) -> None:
    response = _post(client, body)

    assert response.status_code == 422
    assert [e["field"] for e in json.loads(response.content)["errors"]] == [field]
    assert SelfSubmission.objects.count() == 0


def test_not_json_is_400(client: Client, world: World) -> None:
    response = client.post(reverse("removal:submit"), "files=1", content_type="text/plain")

    assert response.status_code == 400
    assert SelfSubmission.objects.count() == 0


def test_submissions_are_rate_limited(client: Client, world: World, settings: Any) -> None:
    settings.SELF_REPORT_SUBMISSIONS_PER_HOUR = 2

    statuses = [_post(client, {"files": [image()]}).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert SelfSubmission.objects.count() == 2


def test_submit_needs_the_csrf_token(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)

    assert _post(strict, {"files": [image()]}).status_code == 403


def test_status_page_shows_state_and_removals_then_withdraws(client: Client, world: World) -> None:
    done = submit(image(), image())
    receipt = {"reference": done.submission.reference, "secret": done.secret}

    shown = client.post(reverse("removal:status"), receipt).content.decode()
    withdrawn = client.post(reverse("removal:status"), {**receipt, "withdraw": "yes"})

    assert 'data-state="distributed"' in shown
    assert 'id="removal-files">2<' in shown
    assert 'id="removal-removed">0<' in shown
    assert 'data-state="withdrawn"' in withdrawn.content.decode()
    assert SelfSubmission.objects.get().state == "withdrawn"


def test_wrong_receipt_withdraws_nothing(client: Client, world: World) -> None:
    done = submit(image())

    page = client.post(
        reverse("removal:status"),
        {
            "reference": done.submission.reference,
            "secret": "AAAA-BBBB-CCCC-DDDD",
            "withdraw": "yes",
        },
    )

    assert "No request matches" in page.content.decode()
    assert SelfSubmission.objects.get().state == "distributed"


def test_staff_page_shows_counts_and_hashes_and_a_supervisor_releases(
    world: World, settings: Any, tmp_path: Any
) -> None:
    path = tmp_path / "benign.txt"
    path.write_text("a" * 32 + "\n")
    settings.SELF_REPORT_ALLOWLIST_FILE = str(path)
    held = submit(image(md5="a" * 32)).submission
    submit(image())

    page = signed_in(world.alice).get(reverse("removal_staff:list")).content.decode()
    refused = signed_in(world.alice).post(
        reverse("removal_staff:decide", kwargs={"pk": held.pk}), {"decision": "release"}
    )
    signed_in(world.charlie).post(
        reverse("removal_staff:decide", kwargs={"pk": held.pk}), {"decision": "release"}
    )

    assert '<span data-state="held">1</span>' in page
    assert '<span data-state="distributed">1</span>' in page
    assert "md5:" + "a" * 32 in page
    assert refused.status_code == 403
    held.refresh_from_db()
    assert held.state == "distributed"
