"""The company intake schema: parse a JSON batch into ``ReportInput``s or field errors.

Modelled on what industry reports carry (NCMEC CyberTipline): incident type and
time, platform, URLs, reported accounts, files known by hashes, annotations and
an urgent-escalation reason. Files themselves are never required: hash-only
submissions are first-class. Unknown fields are errors, so typos surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.cases.actions import FileInput, ReportInput
from hotline.cases.models import Channel, Concern
from hotline.hosting.canonical import InvalidUrl, canonicalize

MAX_BATCH = 500
MAX_URLS = 1000
MAX_FILES = 1000
MAX_ACCOUNTS = 100

INCIDENT_TYPES: dict[str, str] = {
    "csam": Concern.CSAM,
    "online_enticement": Concern.GROOMING,
    "sextortion": Concern.SEXTORTION,
    "child_sex_trafficking": Concern.TRAFFICKING,
    "other": Concern.OTHER,
}
ANNOTATIONS = (
    "sextortion",
    "generative_ai",
    "self_generated",
    "livestream",
    "viral",
    "potential_meme",
    "trafficking",
    "infant_or_toddler",
)
ACCOUNT_FIELDS = ("platform", "username", "user_id", "display_name", "email", "profile_url")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
REPORT_FIELDS = {
    "external_id",
    "incident_type",
    "incident_time",
    "platform",
    "description",
    "urls",
    "files",
    "reported_accounts",
    "annotations",
    "urgent_reason",
    "child_in_danger",
}
FILE_FIELDS = {"file_name", "size", "media_type", "pdq_quality", *HASH_LENGTHS}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class _Errors(list[FieldError]):
    def add(self, field: str, message: str) -> None:
        self.append(FieldError(field, message))


def _string(
    value: Any, path: str, errors: _Errors, *, max_length: int, required: bool = False
) -> str:
    if value is None or value == "":
        if required:
            errors.add(path, "required")
        return ""
    if not isinstance(value, str):
        errors.add(path, "must be a string")
        return ""
    if len(value) > max_length:
        errors.add(path, f"longer than {max_length} characters")
        return ""
    return value


def _list(value: Any, path: str, errors: _Errors, *, max_items: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(path, "must be a list")
        return []
    if len(value) > max_items:
        errors.add(path, f"more than {max_items} entries; split the report")
        return []
    return value


def _unknown(obj: dict[str, Any], allowed: set[str], path: str, errors: _Errors) -> None:
    for key in sorted(set(obj) - allowed):
        errors.add(f"{path}.{key}" if path else key, "unknown field")


def _time(value: Any, path: str, errors: _Errors) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(path, "must be an ISO 8601 date-time string")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.add(path, "not an ISO 8601 date-time, e.g. 2026-11-28T10:15:00Z")
        return None
    if parsed.tzinfo is None:
        errors.add(path, "needs a time zone, e.g. 2026-11-28T10:15:00Z or +01:00")
        return None
    return parsed


def _file(value: Any, path: str, errors: _Errors) -> FileInput | None:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    _unknown(value, FILE_FIELDS, path, errors)
    hashes: dict[str, str] = {}
    for algorithm, length in HASH_LENGTHS.items():
        raw = value.get(algorithm)
        if raw is None:
            continue
        if not isinstance(raw, str) or len(raw) != length or not _HEX.match(raw):
            errors.add(f"{path}.{algorithm}", f"must be {length} hexadecimal characters")
            continue
        hashes[algorithm] = raw.lower()
    if not {"md5", "sha1", "sha256"} & set(hashes):
        errors.add(path, "give at least one of md5, sha1, sha256 (the file itself is not needed)")
    quality = value.get("pdq_quality")
    if quality is not None and (
        not isinstance(quality, int) or isinstance(quality, bool) or not 0 <= quality <= 100
    ):
        errors.add(f"{path}.pdq_quality", "must be a whole number from 0 to 100")
        quality = None
    size = value.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        errors.add(f"{path}.size", "must be a whole number of bytes")
        size = None
    return FileInput(
        md5=hashes.get("md5", ""),
        sha1=hashes.get("sha1", ""),
        sha256=hashes.get("sha256", ""),
        pdq=hashes.get("pdq", ""),
        pdq_quality=quality if "pdq" in hashes else None,
        file_name=_string(value.get("file_name"), f"{path}.file_name", errors, max_length=255),
        file_size=size,
        media_type=_string(value.get("media_type"), f"{path}.media_type", errors, max_length=100),
    )


def _account(value: Any, path: str, errors: _Errors) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return {}
    _unknown(value, set(ACCOUNT_FIELDS), path, errors)
    account = {
        k: _string(value.get(k), f"{path}.{k}", errors, max_length=500) for k in ACCOUNT_FIELDS
    }
    account = {k: v for k, v in account.items() if v}
    if not account:
        errors.add(path, f"give at least one of {', '.join(ACCOUNT_FIELDS)}")
    return account


def parse_report(value: Any, path: str, errors: _Errors) -> ReportInput | None:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    _unknown(value, REPORT_FIELDS, path, errors)
    p = f"{path}."
    external_id = _string(
        value.get("external_id"), p + "external_id", errors, max_length=200, required=True
    )
    incident_type = value.get("incident_type")
    if incident_type not in INCIDENT_TYPES:
        errors.add(p + "incident_type", f"must be one of {', '.join(INCIDENT_TYPES)}")
    urls: list[str] = []
    for i, raw in enumerate(_list(value.get("urls"), p + "urls", errors, max_items=MAX_URLS)):
        if not isinstance(raw, str):
            errors.add(f"{p}urls[{i}]", "must be a string")
            continue
        try:
            canonicalize(raw)
        except InvalidUrl as exc:
            errors.add(f"{p}urls[{i}]", str(exc))
            continue
        urls.append(raw)
    files = [
        f
        for i, raw in enumerate(_list(value.get("files"), p + "files", errors, max_items=MAX_FILES))
        if (f := _file(raw, f"{p}files[{i}]", errors)) is not None
    ]
    if not value.get("urls") and not value.get("files"):
        errors.add(path, "give at least one URL or one file's hashes")
    accounts = [
        _account(raw, f"{p}reported_accounts[{i}]", errors)
        for i, raw in enumerate(
            _list(
                value.get("reported_accounts"),
                p + "reported_accounts",
                errors,
                max_items=MAX_ACCOUNTS,
            )
        )
    ]
    annotations = []
    for i, raw in enumerate(
        _list(value.get("annotations"), p + "annotations", errors, max_items=20)
    ):
        if raw not in ANNOTATIONS:
            errors.add(f"{p}annotations[{i}]", f"must be one of {', '.join(ANNOTATIONS)}")
        else:
            annotations.append(raw)
    child_in_danger = value.get("child_in_danger", False)
    if not isinstance(child_in_danger, bool):
        errors.add(p + "child_in_danger", "must be true or false")
        child_in_danger = False
    return ReportInput(
        channel=Channel.COMPANY_API,
        concern=INCIDENT_TYPES.get(incident_type, Concern.OTHER)
        if isinstance(incident_type, str)
        else Concern.OTHER,
        urls=urls,
        files=files,
        description=_string(value.get("description"), p + "description", errors, max_length=20000),
        child_in_danger=child_in_danger,
        urgent_reason=_string(
            value.get("urgent_reason"), p + "urgent_reason", errors, max_length=500
        ),
        external_id=external_id,
        incident_type=incident_type if isinstance(incident_type, str) else "",
        incident_time=_time(value.get("incident_time"), p + "incident_time", errors),
        platform=_string(value.get("platform"), p + "platform", errors, max_length=200),
        reported_accounts=accounts,
        annotations=sorted(set(annotations)),
    )


def parse_batch(body: Any) -> tuple[list[ReportInput], list[FieldError]]:
    """Parse ``{"reports": [...]}``; any error means nothing may be stored."""
    errors = _Errors()
    if not isinstance(body, dict):
        errors.add("", 'the body must be an object like {"reports": [...]}')
        return [], errors
    _unknown(body, {"reports"}, "", errors)
    raw_reports = body.get("reports")
    if not isinstance(raw_reports, list) or not raw_reports:
        errors.add("reports", "must be a non-empty list of reports")
        return [], errors
    if len(raw_reports) > MAX_BATCH:
        errors.add("reports", f"at most {MAX_BATCH} reports per request; split the batch")
        return [], errors
    parsed = [(i, parse_report(raw, f"reports[{i}]", errors)) for i, raw in enumerate(raw_reports)]
    reports = [r for _, r in parsed if r is not None]
    seen: dict[str, int] = {}
    for i, report in ((i, r) for i, r in parsed if r is not None and r.external_id):
        if report.external_id in seen:
            errors.add(
                f"reports[{i}].external_id",
                f"repeats reports[{seen[report.external_id]}].external_id",
            )
        seen.setdefault(report.external_id, i)
    return reports, errors
