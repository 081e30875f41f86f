"""CyberTipline-compatible API: auth, XML attacks, limits and the flow's errors.

These need no official XSD: a permissive stand-in schema (written here) lets the flow run,
so what is tested is our handling, not NCMEC's rules (those are in test_cybertip_official).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from hotline.cases.models import Report
from hotline.intake.cybertip.actions import expire_submissions
from hotline.intake.models import CybertipFile, CybertipState, CybertipSubmission
from tests.conftest import World

ANY_CONTENT = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:element name="report"><xs:complexType><xs:sequence>
    <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="fileDetails"><xs:complexType><xs:sequence>
    <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>
"""
REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<report><incidentSummary><incidentType>Child Sex Trafficking</incidentType>
<incidentDateTime>2024-01-02T03:04:05Z</incidentDateTime></incidentSummary>
<reporter><reportingPerson><email>trust@example.test</email></reportingPerson></reporter>
</report>"""


@pytest.fixture
def stand_in_xsd(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "stand-in.xsd"
    path.write_text(ANY_CONTENT)
    settings.CYBERTIP_XSD = str(path)
    return path


def basic(token: str) -> str:
    _, key_id, secret = token.split("_", 2)
    return "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()


def call(world: World, endpoint: str, *, auth: str | None = None, **kwargs: Any) -> Any:
    header = auth if auth is not None else basic(world.intake_token)
    return Client().post(f"/api/cybertip/{endpoint}", HTTP_AUTHORIZATION=header, **kwargs)


def xml_of(response: Any) -> dict[str, str]:
    root = etree.fromstring(response.content)
    return {"root": root.tag, **{c.tag: (c.text or "") for c in root}}


def submit(world: World, body: bytes = REPORT) -> Any:
    return call(world, "submit", data=body, content_type="text/xml; charset=utf-8")


def test_without_xsd_every_endpoint_answers_503_naming_the_setting(
    world: World, settings: Any
) -> None:
    settings.CYBERTIP_XSD = ""
    response = submit(world)
    assert response.status_code == 503
    assert xml_of(response)["responseCode"] == "1000"
    assert "HOTLINE_CYBERTIP_XSD" in xml_of(response)["responseDescription"]
    assert CybertipSubmission.objects.count() == 0


def test_no_credential_is_2000_with_basic_challenge(world: World, stand_in_xsd: Path) -> None:
    response = call(world, "submit", auth="", data=REPORT, content_type="text/xml")
    assert (response.status_code, xml_of(response)["responseCode"]) == (401, "2000")
    assert response["WWW-Authenticate"] == 'Basic realm="hotline cybertip"'


def test_wrong_password_is_refused(world: World, stand_in_xsd: Path) -> None:
    _, key_id, _ = world.intake_token.split("_", 2)
    auth = "Basic " + base64.b64encode(f"{key_id}:wrong".encode()).decode()
    response = call(world, "status", auth=auth)
    assert (response.status_code, xml_of(response)["responseCode"]) == (401, "2000")


def test_credential_without_intake_scope_is_3000(world: World, stand_in_xsd: Path) -> None:
    response = Client().get("/api/cybertip/status", HTTP_AUTHORIZATION=basic(world.feed_token))
    assert (response.status_code, xml_of(response)["responseCode"]) == (403, "3000")


def test_status_with_bearer_names_the_key(world: World, stand_in_xsd: Path) -> None:
    key_id = world.intake_token.split("_", 2)[1]
    response = Client().get(
        "/api/cybertip/status", HTTP_AUTHORIZATION=f"Bearer {world.intake_token}"
    )
    assert xml_of(response) == {
        "root": "reportResponse",
        "responseCode": "0",
        "responseDescription": f"Remote User : {key_id}, Remote Ip : 127.0.0.1",
    }


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<report>&b;</report>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<report>&x;</report>",
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://192.0.2.1/x.dtd"><report/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_xml_attacks_are_refused_and_nothing_stored(
    world: World, stand_in_xsd: Path, body: bytes
) -> None:
    response = submit(world, body)
    assert (response.status_code, xml_of(response)["responseCode"]) == (400, "4110")
    assert "DOCTYPE" in xml_of(response)["responseDescription"]
    assert CybertipSubmission.objects.count() == 0


def test_huge_document_refused_before_parsing(
    world: World, stand_in_xsd: Path, settings: Any
) -> None:
    settings.CYBERTIP_MAX_XML_BYTES = 2048
    body = b"<report>" + b"<additionalInfo>x</additionalInfo>" * 200 + b"</report>"
    response = submit(world, body)
    assert (response.status_code, xml_of(response)["responseCode"]) == (400, "4110")
    assert "larger than 2048 bytes" in xml_of(response)["responseDescription"]
    assert CybertipSubmission.objects.count() == 0


def test_malformed_xml_names_the_line(world: World, stand_in_xsd: Path) -> None:
    response = submit(world, b"<report>\n<incidentSummary>\n</report>")
    assert xml_of(response)["responseCode"] == "4110"
    assert xml_of(response)["responseDescription"].startswith("Malformed XML submittal: line 3")


def test_wrong_root_is_refused(world: World, stand_in_xsd: Path) -> None:
    response = submit(world, b"<fileDetails/>")
    assert xml_of(response)["responseCode"] == "4110"
    assert "expected <report>" in xml_of(response)["responseDescription"]


def test_unknown_report_id_is_5001(world: World, stand_in_xsd: Path) -> None:
    for endpoint in ("finish", "retract", "upload"):
        response = call(world, endpoint, data={"id": "999999", "md5": "0" * 32})
        assert (response.status_code, xml_of(response)["responseCode"]) == (404, "5001"), endpoint


def test_finish_without_report_id_is_4000(world: World, stand_in_xsd: Path) -> None:
    response = call(world, "finish", data={})
    assert (response.status_code, xml_of(response)["responseCode"]) == (400, "4000")
    assert "'id'" in xml_of(response)["responseDescription"]


def test_other_organisations_report_does_not_exist_for_them(
    world: World, stand_in_xsd: Path
) -> None:
    report_id = xml_of(submit(world))["reportId"]
    submission = CybertipSubmission.objects.get(pk=report_id)
    submission.organisation = world.isp
    submission.save(update_fields=["organisation"])
    response = call(world, "finish", data={"id": report_id})
    assert xml_of(response)["responseCode"] == "5001"


def test_second_finish_is_5102_and_files_one_report(world: World, stand_in_xsd: Path) -> None:
    report_id = xml_of(submit(world))["reportId"]
    first = call(world, "finish", data={"id": report_id})
    second = call(world, "finish", data={"id": report_id})
    assert xml_of(first)["responseCode"] == "0"
    assert (second.status_code, xml_of(second)["responseCode"]) == (409, "5102")
    assert Report.objects.filter(external_id=f"cybertip:{report_id}").count() == 1


def test_retract_after_finish_is_5102(world: World, stand_in_xsd: Path) -> None:
    report_id = xml_of(submit(world))["reportId"]
    call(world, "finish", data={"id": report_id})
    response = call(world, "retract", data={"id": report_id})
    assert xml_of(response)["responseCode"] == "5102"
    assert Report.objects.filter(external_id=f"cybertip:{report_id}").count() == 1


def test_retracted_report_cannot_finish_and_keeps_nothing(world: World, stand_in_xsd: Path) -> None:
    report_id = xml_of(submit(world))["reportId"]
    call(world, "upload", data={"id": report_id, "md5": "a" * 32})
    assert xml_of(call(world, "retract", data={"id": report_id}))["responseCode"] == "0"
    response = call(world, "finish", data={"id": report_id})
    assert (response.status_code, xml_of(response)["responseCode"]) == (409, "5101")
    submission = CybertipSubmission.objects.get(pk=report_id)
    assert (submission.state, submission.xml, submission.document) == (
        CybertipState.RETRACTED,
        "",
        [],
    )
    assert CybertipFile.objects.count() == 0
    assert Report.objects.count() == 0


def test_upload_without_file_or_hash_is_4200(world: World, stand_in_xsd: Path) -> None:
    report_id = xml_of(submit(world))["reportId"]
    response = call(world, "upload", data={"id": report_id, "md5": "xyz"})
    assert xml_of(response)["responseCode"] == "4200"
    assert CybertipFile.objects.count() == 0


def test_fileinfo_for_unknown_file_is_5002(world: World, stand_in_xsd: Path) -> None:
    report_id = xml_of(submit(world))["reportId"]
    body = f"<fileDetails><reportId>{report_id}</reportId><fileId>nope</fileId></fileDetails>"
    response = call(world, "fileinfo", data=body.encode(), content_type="text/xml")
    assert (response.status_code, xml_of(response)["responseCode"]) == (404, "5002")


def test_unfinished_reports_expire_as_ncmec_says(world: World, stand_in_xsd: Path) -> None:
    report_id = int(xml_of(submit(world))["reportId"])
    now = timezone.now()
    CybertipSubmission.objects.filter(pk=report_id).update(
        opened_at=now - timedelta(hours=23), modified_at=now - timedelta(hours=2)
    )
    assert expire_submissions(now=now) == 0  # opened less than 24 h ago
    CybertipSubmission.objects.filter(pk=report_id).update(
        opened_at=now - timedelta(hours=25), modified_at=now - timedelta(minutes=30)
    )
    assert expire_submissions(now=now) == 0  # changed less than an hour ago
    CybertipSubmission.objects.filter(pk=report_id).update(modified_at=now - timedelta(hours=2))
    assert expire_submissions(now=now) == 1
    response = call(world, "finish", data={"id": str(report_id)})
    assert xml_of(response)["responseCode"] == "5001"
