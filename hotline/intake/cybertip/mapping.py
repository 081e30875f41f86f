"""A validated CyberTipline report (and its files) as our ``ReportInput``.

What our model holds is mapped here; everything else stays in the submission's ``document``
rows (``xml.rows``), shown to analysts on the item page, so nothing the schema allows is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from hotline.cases.actions import FileInput, ReportInput
from hotline.cases.models import Channel
from hotline.hosting.canonical import InvalidUrl, check_web_address
from hotline.intake.schema import INCIDENT_TYPES

# NCMEC's incidentType enumeration onto the intake API's incident types.
INCIDENT_TYPE_CODES: dict[str, str] = {
    "Child Pornography (possession, manufacture, and distribution)": "csam",
    "Child Sex Trafficking": "child_sex_trafficking",
    "Child Sex Tourism": "other",
    "Child Sexual Molestation": "other",
    "Misleading Domain Name": "other",
    "Misleading Words or Digital Images on the Internet": "other",
    "Online Enticement of Children for Sexual Acts": "online_enticement",
    "Unsolicited Obscene Material Sent to a Child": "other",
}
# reportAnnotations and fileAnnotations flags onto our annotation names (others keep NCMEC's).
ANNOTATION_NAMES: dict[str, str] = {
    "sextortion": "sextortion",
    "generativeAi": "generative_ai",
    "possibleSelfProduction": "self_generated",
    "liveStreaming": "livestream",
    "viral": "viral",
    "potentialMeme": "potential_meme",
    "infant": "infant_or_toddler",
}
# originalFileHash/@hashType spellings onto our columns; other types stay in the details rows.
HASH_TYPES: dict[str, str] = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256"}
HASH_TYPES["sha-256"] = "sha256"
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
PERSON_SECTIONS = ("personOrUserReported", "intendedRecipient")


@dataclass(frozen=True)
class FileFacts:
    """What a submission knows of one file when it is finished."""

    md5: str
    sha1: str
    sha256: str
    size: int | None
    file_name: str
    details: etree._Element | None


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()


def _flags(container: etree._Element | None) -> list[str]:
    if container is None:
        return []
    return [
        ANNOTATION_NAMES.get(str(c.tag), str(c.tag)) for c in container if isinstance(c.tag, str)
    ]


def _account(section: etree._Element) -> dict[str, str]:
    person = section.find(f"{section.tag}Person")
    account = {
        "platform": _text(section, "espService"),
        "user_id": _text(section, "espIdentifier"),
        "username": _text(section, "screenName"),
        "display_name": _text(section, "displayName"),
        "email": _text(person, "email"),
        "profile_url": _text(section, "profileUrl"),
    }
    if person is not None:
        name = " ".join(filter(None, [_text(person, "firstName"), _text(person, "lastName")]))
        if name:
            account["name"] = name
    account["role"] = "reported" if section.tag == "personOrUserReported" else "intended_recipient"
    return {k: v[:500] for k, v in account.items() if v}


def hashes_from_details(details: etree._Element) -> tuple[dict[str, str], list[str]]:
    """The MD5/SHA-1/SHA-256 values of ``originalFileHash`` elements, and errors naming lines."""
    found: dict[str, str] = {}
    errors: list[str] = []
    for element in details.findall("originalFileHash"):
        algorithm = HASH_TYPES.get(element.get("hashType", "").strip().lower())
        if algorithm is None:
            continue  # PhotoDNA, PDQ as text…: kept in the details rows
        value = (element.text or "").strip().lower()
        length = HASH_LENGTHS[algorithm]
        if len(value) != length or any(c not in "0123456789abcdef" for c in value):
            errors.append(
                f"line {element.sourceline}: originalFileHash: a {algorithm} value is "
                f"{length} hexadecimal characters"
            )
            continue
        found.setdefault(algorithm, value)
    return found, errors


def report_input(
    report: etree._Element, files: Iterable[FileFacts], *, external_id: str
) -> ReportInput:
    """Our report for a CyberTipline ``<report>`` and its files (validated beforehand)."""
    summary = report.find("incidentSummary")
    incident_type = INCIDENT_TYPE_CODES.get(_text(summary, "incidentType"), "other")
    raw_time = _text(summary, "incidentDateTime")
    incident_time = datetime.fromisoformat(raw_time) if raw_time else None
    escalation = summary.find("escalateToHighPriority") if summary is not None else None
    annotations = _flags(summary.find("reportAnnotations") if summary is not None else None)
    urls: list[str] = []
    for url in report.iterfind("internetDetails/webPageIncident/url"):
        candidate = (url.text or "").strip()
        try:
            check_web_address(candidate)
        except InvalidUrl:
            continue  # not a web address we can check: it stays in the document rows
        urls.append(candidate)
    accounts = [_account(section) for name in PERSON_SECTIONS for section in report.findall(name)]
    file_inputs: list[FileInput] = []
    for facts in files:
        if facts.details is not None:
            annotations += _flags(facts.details.find("fileAnnotations"))
            if _text(facts.details, "potentialMeme") == "true":
                annotations.append("potential_meme")
        file_inputs.append(
            FileInput(
                md5=facts.md5,
                sha1=facts.sha1,
                sha256=facts.sha256,
                file_name=facts.file_name[:255],
                file_size=facts.size,
            )
        )
    reporter = report.find("reporter/reportingPerson")
    where_found = next(iter(urls), "") or _text(summary, "platform")
    data: dict[str, Any] = {
        "channel": Channel.COMPANY_API,
        "concern": INCIDENT_TYPES[incident_type],
        "urls": list(dict.fromkeys(urls)),
        "files": file_inputs,
        "where_found": where_found[:500],
        "description": _text(report, "additionalInfo"),
        "child_in_danger": escalation is not None,
        "urgent_reason": ((escalation.text or "").strip() or "escalated to high priority")[:500]
        if escalation is not None
        else "",
        "contact": _text(reporter, "email")[:254],
        "consent_to_contact": bool(_text(reporter, "email")),
        "external_id": external_id,
        "incident_type": incident_type,
        "incident_time": incident_time,
        "platform": _text(summary, "platform")[:200],
        "reported_accounts": [a for a in accounts if a],
        "annotations": sorted(set(annotations)),
    }
    return ReportInput(**data)
