"""CyberTipline-compatible API against NCMEC's official XSD, with a client written from NCMEC's
documentation (requests + XML only): a full report with two files, one of them hash-only.

The XSD is read from ``HOTLINE_CYBERTIP_XSD`` (default ``../shared/testdata/ncmec/``); it is
never committed. One module-level check: without it every test here skips (fails in CI).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from lxml import etree

from hotline.cases.models import Item, Report
from hotline.intake.models import CybertipSubmission
from tests.conftest import World, signed_in

XSD = Path(django_settings.CYBERTIP_XSD) if django_settings.CYBERTIP_XSD else None


@pytest.fixture(autouse=True)
def _official_xsd(settings: Any) -> None:
    if XSD is None or not XSD.is_file():
        # A known gap, not a missing package: NCMEC's XSD may not be committed here (it is
        # public material fetched from another repository) and shared/testdata has no copy
        # yet. Until it does, these tests skip even in CI — the note says so.
        pytest.skip(
            "blocked: NCMEC's XSD is not in shared/testdata/ncmec/ (or HOTLINE_CYBERTIP_XSD)"
        )
    settings.CYBERTIP_XSD = str(XSD)


# The example from section 6.1 of NCMEC's documentation, with reserved names and more fields.
REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<report xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd">
    <incidentSummary>
        <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
        <platform>Example Photos</platform>
        <escalateToHighPriority>Child appears to be in ongoing danger</escalateToHighPriority>
        <reportAnnotations>
            <sextortion />
            <csamSolicitation />
        </reportAnnotations>
        <incidentDateTime>2012-10-15T08:00:00-07:00</incidentDateTime>
    </incidentSummary>
    <internetDetails>
        <webPageIncident>
            <url>http://badsite.example.test/baduri.html</url>
        </webPageIncident>
    </internetDetails>
    <reporter>
        <reportingPerson>
            <firstName>John</firstName>
            <lastName>Smith</lastName>
            <email>jsmith@example.test</email>
        </reportingPerson>
    </reporter>
    <personOrUserReported>
        <espIdentifier>user-4711</espIdentifier>
        <espService>Example Photos</espService>
        <screenName>bad.actor</screenName>
        <ipCaptureEvent>
            <ipAddress>192.0.2.17</ipAddress>
            <eventName>Upload</eventName>
        </ipCaptureEvent>
    </personOrUserReported>
    <additionalInfo>Found by a moderator.</additionalInfo>
</report>
"""


def file_details(report_id: str, file_id: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<fileDetails xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd">
    <reportId>{report_id}</reportId>
    <fileId>{file_id}</fileId>
    <originalFileName>mypic.jpg</originalFileName>
    {extra}
    <ipCaptureEvent>
        <ipAddress>192.0.2.17</ipAddress>
        <eventName>Upload</eventName>
        <dateTime>2011-10-31T12:00:00Z</dateTime>
    </ipCaptureEvent>
    <additionalInfo>File was originally posted with 6 others</additionalInfo>
</fileDetails>
"""


def answer(response: requests.Response) -> dict[str, Any]:
    root = etree.fromstring(response.content)
    out: dict[str, Any] = {"root": root.tag}
    for child in root:
        out[child.tag] = [f.text for f in child] if child.tag == "files" else child.text
    return out


def test_full_report_with_two_files_one_hash_only_reaches_the_queue(
    world: World, live_server: Any
) -> None:
    base = live_server.url + "/api/cybertip"
    _, user, password = world.intake_token.split("_", 2)
    http = requests.Session()
    http.auth = (user, password)
    xml_header = {"Content-Type": "text/xml; charset=utf-8"}

    opened = answer(http.post(f"{base}/submit", data=REPORT.encode(), headers=xml_header))
    assert (opened["responseCode"], opened["responseDescription"]) == ("0", "Success")
    report_id = opened["reportId"]

    content = b"synthetic benign bytes for an upload"
    uploaded = answer(
        http.post(
            f"{base}/upload",
            data={"id": report_id},
            files={"file": ("file.jpg", io.BytesIO(content))},
        )
    )
    assert uploaded["hash"] == hashlib.md5(content, usedforsecurity=False).hexdigest()
    details = file_details(
        report_id,
        uploaded["fileId"],
        "<fileAnnotations><generativeAi /></fileAnnotations>",
    )
    done = answer(http.post(f"{base}/fileinfo", data=details.encode(), headers=xml_header))
    assert done["responseCode"] == "0"

    sha1 = "b" * 40
    hash_only = answer(http.post(f"{base}/upload", data={"id": report_id, "sha1": sha1}))
    assert hash_only["responseCode"] == "0"
    details = file_details(
        report_id,
        hash_only["fileId"],
        f'<originalFileHash hashType="MD5">{"c" * 32}</originalFileHash>',
    )
    # originalFileHash comes after fileAnnotations in the schema: our helper puts extra first.
    details = details.replace(
        f'<originalFileHash hashType="MD5">{"c" * 32}</originalFileHash>', ""
    ).replace(
        "    <ipCaptureEvent>",
        f'    <originalFileHash hashType="MD5">{"c" * 32}</originalFileHash>\n    <ipCaptureEvent>',
        1,
    )
    assert (
        answer(http.post(f"{base}/fileinfo", data=details.encode(), headers=xml_header))[
            "responseCode"
        ]
        == "0"
    )

    finished = answer(http.post(f"{base}/finish", data={"id": report_id}))
    assert finished == {
        "root": "reportDoneResponse",
        "responseCode": "0",
        "reportId": report_id,
        "files": [uploaded["fileId"], hash_only["fileId"]],
    }

    report = Report.objects.get(external_id=f"cybertip:{report_id}")
    assert (report.incident_type, report.concern, report.platform) == (
        "csam",
        "csam",
        "Example Photos",
    )
    assert report.incident_time is not None
    assert report.incident_time.isoformat() == "2012-10-15T15:00:00+00:00"
    assert (report.child_in_danger, report.urgent_reason) == (
        True,
        "Child appears to be in ongoing danger",
    )
    assert report.contact == "jsmith@example.test"
    assert report.description == "Found by a moderator."
    assert report.annotations == ["csamSolicitation", "generative_ai", "sextortion"]
    assert report.reported_accounts == [
        {
            "platform": "Example Photos",
            "user_id": "user-4711",
            "username": "bad.actor",
            "role": "reported",
        }
    ]
    urls = Item.objects.filter(report_items__report=report, kind="url")
    files = Item.objects.filter(report_items__report=report, kind="file").order_by("pk")
    assert [(f.md5, f.sha1) for f in files] == [
        (
            hashlib.md5(content, usedforsecurity=False).hexdigest(),
            hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        ),
        ("c" * 32, sha1),
    ]
    assert [u.canonical_url for u in urls] == ["http://badsite.example.test/baduri.html"]

    # The analyst sees it in the queue and, on the item page, every field that was sent.
    analyst = signed_in(world.alice)
    queue = analyst.get("/staff/cases/").content.decode()
    assert f"/staff/cases/items/{files[1].pk}/" in queue
    page = analyst.get(f"/staff/cases/items/{files[1].pk}/").content.decode()
    for text in (
        "personOrUserReported/ipCaptureEvent/ipAddress",
        "192.0.2.17",
        "csamSolicitation",
        "File was originally posted with 6 others",
    ):
        assert text in page


def test_retracted_report_never_reaches_the_queue(world: World, live_server: Any) -> None:
    base = live_server.url + "/api/cybertip"
    _, user, password = world.intake_token.split("_", 2)
    opened = answer(
        requests.post(
            f"{base}/submit",
            data=REPORT.encode(),
            auth=(user, password),
            timeout=30,
            headers={"Content-Type": "text/xml"},
        )
    )
    retracted = answer(
        requests.post(
            f"{base}/retract", data={"id": opened["reportId"]}, auth=(user, password), timeout=30
        )
    )
    assert retracted["responseCode"] == "0"
    assert Report.objects.count() == 0
    assert Item.objects.count() == 0


def test_schema_violation_names_element_and_line_and_stores_nothing(world: World) -> None:
    body = REPORT.replace(
        "<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>",
        "<incidentType>Something</incidentType>",
    )
    _, user, password = world.intake_token.split("_", 2)
    import base64

    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    response = Client().post(
        "/api/cybertip/submit", data=body.encode(), content_type="text/xml", HTTP_AUTHORIZATION=auth
    )
    root = etree.fromstring(response.content)
    assert (response.status_code, root.findtext("responseCode")) == (400, "4100")
    description = root.findtext("responseDescription") or ""
    assert description.startswith(
        "Validation failed: line 5: /report/incidentSummary/incidentType:"
    )
    assert CybertipSubmission.objects.count() == 0


def test_our_responses_are_valid_against_the_schema(world: World) -> None:
    _, user, password = world.intake_token.split("_", 2)
    import base64

    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    client = Client()
    opened = client.post(
        "/api/cybertip/submit",
        data=REPORT.encode(),
        content_type="text/xml",
        HTTP_AUTHORIZATION=auth,
    )
    report_id = etree.fromstring(opened.content).findtext("reportId")
    done = client.post("/api/cybertip/finish", data={"id": report_id}, HTTP_AUTHORIZATION=auth)
    again = client.post("/api/cybertip/finish", data={"id": report_id}, HTTP_AUTHORIZATION=auth)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for response in (opened, done, again):
        schema.assertValid(etree.fromstring(response.content))
