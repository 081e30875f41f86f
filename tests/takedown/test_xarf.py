"""XARF v4 content/csam reports, their validation, the notice text, and a real SMTP round trip.

Every URL, address and hash here is synthetic, under reserved names (``example.test``,
``.invalid``, 192.0.2.0/24, 2001:db8::/32).
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.mail import EmailMessage
from jsonschema import Draft202012Validator

from hotline.takedown.xarf import (
    CSAM_REPORT_SCHEMA,
    InvalidXarfReport,
    NoticeLine,
    build_csam_report,
    notice_email,
    reporter_domain,
    validate_report,
)
from tests.takedown.conftest import SmtpServer

REPORT_ID = "0b6f1c3e-8d2a-4f5b-9e7c-1a2b3c4d5e6f"
OTHER_REPORT_ID = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
FOUND = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SHA256 = "a" * 64
HOTLINE = {
    "org": "Hotline A",
    "contact": "notices@hotline-a.example.test",
    "domain": "hotline-a.example.test",
}


def _report(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "report_id": REPORT_ID,
        "url": "https://files.example.test/gallery/item-1",
        "source_identifier": "192.0.2.10",
        "timestamp": FOUND,
        "reporter_org": "Hotline A",
        "reporter_contact": "notices@hotline-a.example.test",
        "reporter_domain": "hotline-a.example.test",
        "classification": "A1",
    }
    arguments.update(overrides)
    return build_csam_report(**arguments)


def _key_paths(value: object, prefix: str = "") -> list[str]:
    if not isinstance(value, dict):
        return []
    paths = []
    for key, inner in value.items():
        path = f"{prefix}.{key}" if prefix else key
        paths += [path, *_key_paths(inner, path)]
    return sorted(paths)


# --- the schema ------------------------------------------------------------------------------


def test_csam_report_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(CSAM_REPORT_SCHEMA)

    assert CSAM_REPORT_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_csam_report_schema_requires_the_core_content_and_csam_members() -> None:
    assert CSAM_REPORT_SCHEMA["required"] == [
        "xarf_version",
        "report_id",
        "timestamp",
        "reporter",
        "sender",
        "source_identifier",
        "category",
        "type",
        "url",
        "classification",
        "detection_method",
    ]


# --- building --------------------------------------------------------------------------------


def test_build_csam_report_with_required_arguments_only() -> None:
    report = _report()

    assert report == {
        "xarf_version": "4.2.0",
        "report_id": REPORT_ID,
        "timestamp": "2026-01-02T03:04:05Z",
        "reporter": HOTLINE,
        "sender": HOTLINE,
        "source_identifier": "192.0.2.10",
        "category": "content",
        "type": "csam",
        "evidence_source": "researcher_analysis",
        "url": "https://files.example.test/gallery/item-1",
        "domain": "files.example.test",
        "verification_method": "manual",
        "classification": "A1",
        "detection_method": "manual_review",
        "content_removed": False,
    }
    assert validate_report(report) == []


def test_build_csam_report_with_every_option() -> None:
    report = _report(
        url="http://[2001:db8::5]:8080/v/clip",
        source_identifier="2001:db8::5",
        timestamp=datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        classification="B2",
        detection_method="hash_match",
        evidence_source="user_report",
        verification_method="automated_crawler",
        verified_at=datetime(2026, 1, 3, 0, 0, tzinfo=UTC),
        media_type="video",
        hashes={"md5": "b" * 32, "sha1": "c" * 40, "sha256": SHA256, "photodna": ""},
        source_port=8080,
        asn=64496,
        country_code="NL",
        description="Video file in a public folder of a file-hosting service.",
    )

    assert report == {
        "xarf_version": "4.2.0",
        "report_id": REPORT_ID,
        "timestamp": "2026-01-02T03:04:05Z",
        "reporter": HOTLINE,
        "sender": HOTLINE,
        "source_identifier": "2001:db8::5",
        "source_port": 8080,
        "category": "content",
        "type": "csam",
        "evidence_source": "user_report",
        "url": "http://[2001:db8::5]:8080/v/clip",
        "verified_at": "2026-01-03T00:00:00Z",
        "verification_method": "automated_crawler",
        "asn": 64496,
        "country_code": "NL",
        "classification": "B2",
        "detection_method": "hash_match",
        "media_type": "video",
        "hash_values": {"md5": "b" * 32, "sha1": "c" * 40, "sha256": SHA256},
        "content_removed": False,
        "description": "Video file in a public folder of a file-hosting service.",
    }


@pytest.mark.parametrize(
    ("url", "source", "classification", "hashes"),
    [
        ("https://files.example.test/a/1", "192.0.2.10", "baseline", None),
        ("http://img.example.test/x.php?id=42&s=1", "192.0.2.11", "A1", {"sha256": SHA256}),
        ("https://forum.example.test/t/9#post-3", "forum.example.test", "A2", None),
        ("http://[2001:db8::7]/share", "2001:db8::7", "B1", {"md5": "d" * 32}),
        ("http://192.0.2.99:8080/up/", "192.0.2.99", "B2", None),
        ("https://xn--bcher-kva.example.test/p", "192.0.2.12", "A1", None),
    ],
)
def test_validate_report_built_reports_are_valid(
    url: str, source: str, classification: str, hashes: dict[str, str] | None
) -> None:
    report = _report(
        url=url, source_identifier=source, classification=classification, hashes=hashes
    )

    assert validate_report(report) == []
    assert json.loads(json.dumps(report)) == report


def test_build_csam_report_leaves_out_domain_for_hosts_the_spec_pattern_refuses() -> None:
    by_address = _report(url="http://192.0.2.99/up/")
    by_punycode = _report(url="https://xn--bcher-kva.example.test/p")

    assert (by_address.get("domain"), by_punycode.get("domain")) == (None, None)


def test_build_csam_report_percent_encodes_what_a_uri_may_not_contain() -> None:
    report = _report(url="https://files.example.test/a b|c{d}/ä%zz?q=[1]^")

    assert report["url"] == "https://files.example.test/a%20b%7Cc%7Bd%7D/%C3%A4%25zz?q=%5B1%5D%5E"
    assert validate_report(report) == []


def test_build_csam_report_sends_a_non_ascii_host_in_punycode() -> None:
    report = _report(url="http://bücher.example.test/regal/ä?seite=1")

    assert report["url"] == "http://xn--bcher-kva.example.test/regal/%C3%A4?seite=1"
    assert validate_report(report) == []
    assert Draft202012Validator(CSAM_REPORT_SCHEMA).is_valid(report)


def test_build_csam_report_punycodes_the_host_but_keeps_user_info_and_port() -> None:
    report = _report(url="http://üser@BÜCHER.example.test:8080/p")

    assert report["url"] == "http://%C3%BCser@xn--bcher-kva.example.test:8080/p"
    assert report["source_identifier"] == "192.0.2.10"


@pytest.mark.parametrize(
    ("base_url", "domain"),
    [
        ("https://hotline.example.test", "hotline.example.test"),
        ("https://Hotline.Example.TEST:8443/prefix", "hotline.example.test"),
        ("https://büro.example.test", "xn--bro-hoa.example.test"),
    ],
)
def test_reporter_domain_is_the_public_host_name(base_url: str, domain: str) -> None:
    assert reporter_domain(base_url) == domain


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://127.0.0.1:8000", "names an IP address"),
        ("http://[::1]:8000", "names an IP address"),
        ("http://localhost:8000", "does not name a public host name"),
        ("http://app.localhost", "does not name a public host name"),
        ("http://hotline/", "does not name a public host name"),
        ("hotline.example.test", "has no host name"),
    ],
)
def test_reporter_domain_refuses_what_a_provider_cannot_look_up(base_url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        reporter_domain(base_url)


def test_build_csam_report_naive_timestamp_raises() -> None:
    with pytest.raises(InvalidXarfReport) as raised:
        _report(timestamp=datetime(2026, 1, 2, 3, 4, 5))  # noqa: DTZ001 - naive on purpose

    assert raised.value.errors == [
        "timestamp: must be timezone-aware (got datetime.datetime(2026, 1, 2, 3, 4, 5))"
    ]


def test_build_csam_report_unknown_classification_raises_with_reason() -> None:
    with pytest.raises(InvalidXarfReport) as raised:
        _report(classification="csam")

    assert raised.value.errors == [
        "classification: must be one of baseline, A1, A2, B1, B2 (got 'csam')"
    ]
    assert str(raised.value) == (
        "not a valid XARF v4 content/csam report: "
        "classification: must be one of baseline, A1, A2, B1, B2 (got 'csam')"
    )


def test_build_csam_report_bad_report_id_and_contact_raise_together() -> None:
    with pytest.raises(InvalidXarfReport) as raised:
        _report(report_id="item-42", reporter_contact="notices at hotline")

    assert raised.value.errors == [
        "report_id: must be a UUID (got 'item-42')",
        "reporter.contact: must be an e-mail address (got 'notices at hotline')",
        "sender.contact: must be an e-mail address (got 'notices at hotline')",
    ]


# --- privacy ---------------------------------------------------------------------------------


def test_build_csam_report_never_carries_public_reporter_identity() -> None:
    report = _report(
        hashes={"sha256": SHA256},
        media_type="image",
        verified_at=FOUND,
        description="Image on a file-hosting page.",
    )

    assert _key_paths(report) == [
        "category",
        "classification",
        "content_removed",
        "description",
        "detection_method",
        "domain",
        "evidence_source",
        "hash_values",
        "hash_values.sha256",
        "media_type",
        "report_id",
        "reporter",
        "reporter.contact",
        "reporter.domain",
        "reporter.org",
        "sender",
        "sender.contact",
        "sender.domain",
        "sender.org",
        "source_identifier",
        "timestamp",
        "type",
        "url",
        "verification_method",
        "verified_at",
        "xarf_version",
    ]
    assert (report["reporter"], report["sender"]) == (HOTLINE, HOTLINE)


def test_build_csam_report_takes_no_argument_for_a_reporter_or_media() -> None:
    parameters = list(inspect.signature(build_csam_report).parameters)

    assert parameters == [
        "report_id",
        "url",
        "source_identifier",
        "timestamp",
        "reporter_org",
        "reporter_contact",
        "reporter_domain",
        "classification",
        "detection_method",
        "evidence_source",
        "verification_method",
        "verified_at",
        "media_type",
        "hashes",
        "source_port",
        "asn",
        "country_code",
        "content_removed",
        "description",
    ]


def test_validate_report_refuses_extra_identity_in_the_reporter_object() -> None:
    report = _report()
    report["reporter"] = {**HOTLINE, "name": "Jane Example", "phone": "+31 20 000 0000"}

    assert validate_report(report) == ["reporter: members 'name', 'phone' are not allowed here"]


# --- validation: what is refused, and how it is said -----------------------------------------


def _mutated(change: Any) -> dict[str, Any]:
    report = copy.deepcopy(_report(hashes={"sha256": SHA256}))
    change(report)
    return report


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            lambda r: r.update(report_id="not-a-uuid"),
            ["report_id: must be a UUID (got 'not-a-uuid')"],
        ),
        (
            lambda r: r.update(report_id="0b6f1c3e8d2a4f5b9e7c1a2b3c4d5e6f"),
            ["report_id: must be a UUID (got '0b6f1c3e8d2a4f5b9e7c1a2b3c4d5e6f')"],
        ),
        (
            lambda r: r.update(category="messaging"),
            ["category: must be 'content' (got 'messaging')"],
        ),
        (lambda r: r.update(type="phishing"), ["type: must be 'csam' (got 'phishing')"]),
        (lambda r: r.pop("url"), ["report: 'url' is a required property"]),
        (
            lambda r: r.update(url="files.example.test/a"),
            ["url: must be an absolute URI (RFC 3986) (got 'files.example.test/a')"],
        ),
        (
            lambda r: r.update(timestamp="2026-01-02 03:04"),
            ["timestamp: must be an RFC 3339 date-time with a UTC offset (got '2026-01-02 03:04')"],
        ),
        (
            lambda r: r.update(timestamp="2026-01-02T03:04:05"),
            [
                "timestamp: must be an RFC 3339 date-time with a UTC offset "
                "(got '2026-01-02T03:04:05')"
            ],
        ),
        (
            lambda r: r.update(timestamp="2026-02-30T03:04:05Z"),
            [
                "timestamp: must be an RFC 3339 date-time with a UTC offset "
                "(got '2026-02-30T03:04:05Z')"
            ],
        ),
        (
            lambda r: r.update(xarf_version="3.0"),
            ["xarf_version: must be a version 4.x.y (got '3.0')"],
        ),
        (lambda r: r.pop("classification"), ["report: 'classification' is a required property"]),
        (
            lambda r: r.update(detection_method="guess"),
            [
                "detection_method: must be one of hash_match, ai_detection, manual_review, "
                "user_report, automated_scan (got 'guess')"
            ],
        ),
        (lambda r: r["reporter"].pop("contact"), ["reporter: 'contact' is a required property"]),
        (
            lambda r: r["sender"].update(domain="hotline a"),
            ["sender.domain: must be a host name (got 'hotline a')"],
        ),
        (
            lambda r: r["hash_values"].update(sha256="not-hex"),
            ["hash_values.sha256: must be 64 hex digits (got 'not-hex')"],
        ),
        (
            lambda r: r.update(domain="Files.Example.Test"),
            ["domain: must be a lower-case domain name (got 'Files.Example.Test')"],
        ),
        (
            lambda r: r.update(_internal={"analyst": "alice"}),
            [
                "_internal: must be removed before a report is sent (XARF internal metadata) "
                "(got {'analyst': 'alice'})"
            ],
        ),
        (
            lambda r: r.update(screenshot_url="https://shots.example.test/1.png"),
            [
                "screenshot_url: must not be used in a CSAM report: it would point at the "
                "material (got 'https://shots.example.test/1.png')"
            ],
        ),
        (
            lambda r: r.update(
                evidence=[{"content_type": "image/jpeg", "payload": "AAAA", "filename": "x"}]
            ),
            [
                "evidence[0]: member 'filename' is not allowed here",
                "evidence[0].content_type: must be a MIME type that is not image, video or "
                "audio: a CSAM report carries hashes and references, never media "
                "(got 'image/jpeg')",
            ],
        ),
        (
            lambda r: r.update(source_port=0, asn="64496"),
            [
                "asn: must be an AS number from 1 to 4294967295 (got '64496')",
                "source_port: must be a port number from 1 to 65535 (got 0)",
            ],
        ),
    ],
)
def test_validate_report_names_each_problem(change: Any, errors: list[str]) -> None:
    assert validate_report(_mutated(change)) == errors


def test_validate_report_missing_members_are_all_listed() -> None:
    assert validate_report({"category": "content", "type": "csam"}) == [
        "report: 'classification' is a required property",
        "report: 'detection_method' is a required property",
        "report: 'report_id' is a required property",
        "report: 'reporter' is a required property",
        "report: 'sender' is a required property",
        "report: 'source_identifier' is a required property",
        "report: 'timestamp' is a required property",
        "report: 'url' is a required property",
        "report: 'xarf_version' is a required property",
    ]


def test_validate_report_not_an_object() -> None:
    assert validate_report([]) == ["report: [] is not of type 'object'"]


def test_validate_report_accepts_recommended_optional_and_unknown_members() -> None:
    report = _mutated(
        lambda r: r.update(
            evidence=[
                {
                    "content_type": "text/plain",
                    "description": "Hash list match notice",
                    "payload": "c3ludGhldGlj",
                    "hash": "sha256:" + SHA256,
                    "size": 9,
                }
            ],
            tags=["csam:confirmed", "classification:a1"],
            confidence=1.0,
            ncmec_report_id="000000",
            account_suspended=False,
            whois={"registrar_abuse_contact": "abuse@registrar.example.test"},
            dns_records={"a": ["192.0.2.10"], "aaaa": ["2001:db8::10"]},
            x_vendor_extension={"any": "thing"},
        )
    )

    assert validate_report(report) == []


# --- the notice e-mail -----------------------------------------------------------------------

LINES = [
    NoticeLine(
        url="https://files.example.test/gallery/item-1",
        first_reported_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        report_id=REPORT_ID,
    ),
    NoticeLine(
        url="http://192.0.2.99:8080/up/clip",
        first_reported_at=datetime(2026, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        report_id=OTHER_REPORT_ID,
    ),
]


def _notice(**overrides: Any) -> tuple[str, str]:
    arguments: dict[str, Any] = {
        "provider_name": "Example Hosting",
        "items": LINES,
        "repeat": 0,
        "instance_name": "Hotline A",
        "reply_to": "notices@hotline-a.example.test",
    }
    arguments.update(overrides)
    return notice_email(**arguments)


def test_notice_email_first_notice_subject() -> None:
    subject, _ = _notice()

    assert subject == (
        "[Hotline A] Takedown notice: child sexual abuse material on your network (2 URLs)"
    )


def test_notice_email_reminder_subject() -> None:
    subject, _ = _notice(items=LINES[:1], repeat=2)

    assert subject == "[Hotline A] Reminder 2: child sexual abuse material still online (1 URL)"


def test_notice_email_escalated_reminder_subject() -> None:
    subject, _ = _notice(repeat=3, escalated=True)

    assert subject == (
        "[Hotline A] Escalated, reminder 3: child sexual abuse material still online (2 URLs)"
    )


def test_notice_email_first_notice_body() -> None:
    _, body = _notice()

    assert body == (
        "Dear Example Hosting abuse team,\n"
        "\n"
        "Hotline A, a national hotline for reports of child sexual abuse\n"
        "material, has found the material at the web addresses below on your\n"
        "network. A trained analyst of the hotline has assessed them as child\n"
        "sexual abuse material (CSAM), which is illegal to host or distribute.\n"
        "\n"
        "1. https://files.example.test/gallery/item-1\n"
        "   First reported to us: 2026-01-02 03:04 UTC\n"
        f"   Our reference: {REPORT_ID}\n"
        f"   Attachment: xarf-{REPORT_ID}.json\n"
        "\n"
        "2. http://192.0.2.99:8080/up/clip\n"
        "   First reported to us: 2026-01-02 08:30 UTC\n"
        f"   Our reference: {OTHER_REPORT_ID}\n"
        f"   Attachment: xarf-{OTHER_REPORT_ID}.json\n"
        "\n"
        "We ask you to:\n"
        "\n"
        "- remove the material, or disable access to it, without delay;\n"
        "- preserve the material and the related records (such as account\n"
        "  details, upload logs and IP addresses) as evidence for law\n"
        "  enforcement, as far as the law that applies to you allows;\n"
        "- not notify the uploader or the account holder, where the law allows,\n"
        "  so that a police investigation is not compromised.\n"
        "\n"
        "Please do not send the material itself to us or to anyone else.\n"
        "\n"
        "Please reply to notices@hotline-a.example.test to confirm the removal,\n"
        "quoting our reference for each address, or to tell us if you cannot act.\n"
        "A machine-readable XARF v4 report is attached for each address, named\n"
        "after its reference.\n"
        "\n"
        "Until the material is removed, we check the web addresses and repeat\n"
        "this notice every 24 hours.\n"
        "\n"
        "Kind regards,\n"
        "Hotline A\n"
        "notices@hotline-a.example.test\n"
    )


def test_notice_email_body_lists_every_url_in_order() -> None:
    _, body = _notice()

    assert re.findall(r"^\d+\. (\S+)$", body, flags=re.MULTILINE) == [line.url for line in LINES]


def test_notice_email_reminder_and_escalation_open_the_body() -> None:
    _, body = _notice(items=LINES[:1], repeat=4, escalated=True)

    assert body.split("\n\n")[:4] == [
        "Dear Example Hosting abuse team,",
        "This is reminder 4 about the web address below. When we last checked,\n"
        "the material was still online.",
        "Because the material is still online after repeated notices, this matter\n"
        "has been escalated. Please treat it as a priority.",
        "Hotline A, a national hotline for reports of child sexual abuse\n"
        "material, has found the material at the web address below on your\n"
        "network. A trained analyst of the hotline has assessed it as child\n"
        "sexual abuse material (CSAM), which is illegal to host or distribute.",
    ]


def test_notice_email_line_breaks_in_names_cannot_reach_the_subject() -> None:
    subject, _ = _notice(instance_name="Hotline A\r\nBcc: someone@example.invalid")

    assert subject == (
        "[Hotline A Bcc: someone@example.invalid] Takedown notice: child sexual abuse "
        "material on your network (2 URLs)"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"items": []}, "a notice lists at least one URL"),
        ({"repeat": -1}, "repeat must be 0 (first notice) or more, not -1"),
        (
            {"items": [NoticeLine("https://a.example.test/", datetime(2026, 1, 2), REPORT_ID)]},  # noqa: DTZ001 - naive on purpose
            "first_reported_at must be timezone-aware for https://a.example.test/",
        ),
    ],
)
def test_notice_email_refuses_bad_input(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _notice(**overrides)


# --- a real SMTP round trip ------------------------------------------------------------------


def test_notice_email_round_trip_through_a_real_smtp_server(
    smtp_server: SmtpServer, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    reports = [
        _report(report_id=line.report_id, url=line.url, hashes={"sha256": SHA256}) for line in LINES
    ]
    subject, body = _notice()
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email="notices@hotline-a.example.test",
        to=["abuse@hosting.example.test"],
        reply_to=["notices@hotline-a.example.test"],
    )
    for report in reports:
        message.attach(
            f"xarf-{report['report_id']}.json",
            json.dumps(report, indent=1).encode("utf-8"),
            "application/json",
        )

    assert message.send() == 1

    [received] = smtp_server.messages
    attachments = list(received.iter_attachments())
    assert smtp_server.envelopes == [
        ("notices@hotline-a.example.test", ["abuse@hosting.example.test"])
    ]
    assert (received["Subject"], received["To"], received["Reply-To"]) == (
        subject,
        "abuse@hosting.example.test",
        "notices@hotline-a.example.test",
    )
    text = received.get_body(preferencelist=("plain",))
    assert text is not None
    assert text.get_content() == body
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        (f"xarf-{REPORT_ID}.json", "application/json"),
        (f"xarf-{OTHER_REPORT_ID}.json", "application/json"),
    ]
    parsed = [json.loads(a.get_content()) for a in attachments]
    assert [validate_report(report) for report in parsed] == [[], []]
    assert parsed == reports
