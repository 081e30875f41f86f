"""The company intake schema: parse a JSON batch into ``ReportInput``s or field errors.

Modelled on what industry reports carry (NCMEC CyberTipline): incident type and
time, platform, URLs, reported accounts, files known by hashes, annotations and
an urgent-escalation reason. Files themselves are never required: hash-only
submissions are first-class. Unknown fields are errors, so typos surface.

The JSON Schema below is the one source of the rules: the OpenAPI document publishes
it, and the parser reads every length, range, pattern and enumeration from it, so the
two cannot drift apart (``tests/intake/test_schema_agreement.py`` walks it to check).
What JSON Schema cannot say is documented in ``description`` and checked here: a web
address's rules (``format: web-address``) and external ids unique within a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hotline.cases.actions import FileInput, ReportInput
from hotline.cases.models import Channel, Concern
from hotline.hosting.canonical import InvalidUrl, check_web_address

MAX_BATCH = 500
MAX_URLS = 1000
MAX_FILES = 1000
MAX_ACCOUNTS = 100
MAX_ANNOTATIONS = 20
MAX_ERRORS = 200  # enough to correct a batch; a client that sends garbage gets no megabyte back
# Whole numbers a JSON client can round-trip exactly (2^53 - 1), well inside a 64-bit column.
MAX_SAFE_INTEGER = 9_007_199_254_740_991
WEB_ADDRESS_FORMAT = "web-address"

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

# PostgreSQL stores neither the NUL character in text nor ``\u0000`` in jsonb: refused at the
# boundary so the database never sees it (lone surrogates are refused too; JSON Schema has no
# word for them because they are not Unicode text at all).
NO_NUL = "^[^\\u0000]*$"


def _text(max_length: int, *, min_length: int = 0, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": NO_NUL}
    if min_length:
        spec["minLength"] = min_length
    return spec | extra


def _hex(length: int) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^[0-9a-fA-F]{{{length}}}$"}


def _array(items: dict[str, Any], max_items: int, **extra: Any) -> dict[str, Any]:
    return {"type": "array", "maxItems": max_items, "items": items} | extra


FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "A file known by its hashes; the file itself is never required.",
    "properties": {
        "file_name": _text(255),
        "size": {"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER},
        "media_type": _text(100),
        **{algorithm: _hex(length) for algorithm, length in HASH_LENGTHS.items()},
        "pdq_quality": {"type": "integer", "minimum": 0, "maximum": 100},
    },
    "anyOf": [{"required": ["md5"]}, {"required": ["sha1"]}, {"required": ["sha256"]}],
}
ACCOUNT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {k: _text(500, min_length=1) for k in ACCOUNT_FIELDS},
}
URL_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 2048,
    "format": WEB_ADDRESS_FORMAT,
    "description": "A web address: scheme http or https (none means http); a site name with "
    "a dot (at most 253 characters, labels of at most 63 that neither start nor end with '-', "
    "a top-level domain that is not all digits) or an IP address; at most 2048 characters, "
    "also once canonicalised.",
}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["external_id", "incident_type"],
    "anyOf": [
        {"required": ["urls"], "properties": {"urls": {"minItems": 1}}},
        {"required": ["files"], "properties": {"files": {"minItems": 1}}},
    ],
    "properties": {
        "external_id": _text(
            200,
            min_length=1,
            description="Your own identifier, unique within a batch; a second report with the "
            "same one is a duplicate.",
        ),
        "incident_type": {"type": "string", "enum": list(INCIDENT_TYPES)},
        "incident_time": {"type": "string", "format": "date-time"},
        "platform": _text(200),
        "description": _text(20000),
        "urls": _array(URL_SCHEMA, MAX_URLS),
        "files": _array(FILE_SCHEMA, MAX_FILES),
        "reported_accounts": _array(ACCOUNT_SCHEMA, MAX_ACCOUNTS),
        "annotations": _array({"type": "string", "enum": list(ANNOTATIONS)}, MAX_ANNOTATIONS),
        "urgent_reason": _text(500, description="Set to escalate: why this needs attention now."),
        "child_in_danger": {"type": "boolean"},
    },
}
BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reports"],
    "properties": {
        "reports": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_BATCH,
            "items": {"$ref": "#/components/schemas/Report"},
        }
    },
}
IDEMPOTENCY_KEY_SCHEMA: dict[str, Any] = {"type": "string", "maxLength": 200}
# What ``cases.references.new_reference`` makes: HL- and two groups of Crockford base32.
_CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
REFERENCE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": f"^HL-{_CROCKFORD}{{4}}-{_CROCKFORD}{{4}}$",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class _Errors(list[FieldError]):
    def add(self, field: str, message: str) -> None:
        self.append(FieldError(field, message))


_MISSING: Any = object()  # absent, as opposed to null (which is a wrong type, as the schema says)


def _python_pattern(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA 262, where '$' ends the text; Python's '$' also matches
    # before a final newline, so "<64 hex digits>\n" would pass.
    return re.compile(pattern.removesuffix("$") + r"\Z" if pattern.endswith("$") else pattern)


def _unicode_problem(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be Unicode text (a lone surrogate such as \\ud800 is not)"
    return ""


def _string(value: Any, path: str, errors: _Errors, spec: dict[str, Any]) -> str:
    """``value`` checked against a ``type: string`` schema, or "" after recording why not."""
    if value is _MISSING:
        return ""
    if "enum" in spec:
        if not isinstance(value, str) or value not in spec["enum"]:
            errors.add(path, f"must be one of {', '.join(spec['enum'])}")
            return ""
        return value
    if not isinstance(value, str):
        errors.add(path, "must be a string")
        return ""
    if problem := _unicode_problem(value):
        errors.add(path, problem)
        return ""
    if "\x00" in value:
        errors.add(path, "must not contain the NUL character (\\u0000)")
        return ""
    if len(value) < spec.get("minLength", 0):
        errors.add(path, "must not be empty" if spec["minLength"] == 1 else "too short")
        return ""
    if len(value) > spec.get("maxLength", len(value)):
        errors.add(path, f"longer than {spec['maxLength']} characters")
        return ""
    if "pattern" in spec and not _python_pattern(spec["pattern"]).match(value):
        errors.add(path, spec.get("x-pattern-message", f"must match {spec['pattern']}"))
        return ""
    return value


def _integer(value: Any, path: str, errors: _Errors, spec: dict[str, Any]) -> int | None:
    if value is _MISSING:
        return None
    # JSON Schema counts 2.0 as an integer; JSON has no separate integer type.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    low, high = spec["minimum"], spec["maximum"]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors.add(path, f"must be a whole number from {low} to {high}")
        return None
    return value


def _list(value: Any, path: str, errors: _Errors, spec: dict[str, Any]) -> list[Any]:
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        errors.add(path, "must be a list")
        return []
    if len(value) > spec["maxItems"]:
        errors.add(path, f"more than {spec['maxItems']} entries; split the report")
        return []
    return value


def _field_name(key: str) -> str:
    # Echo an unknown key only as far as it helps, and only as text the answer can carry.
    return key[:100].encode("utf-8", "backslashreplace").decode("utf-8")


def _unknown(obj: dict[str, Any], spec: dict[str, Any], path: str, errors: _Errors) -> None:
    for key in sorted(set(obj) - set(spec["properties"])):
        name = _field_name(key)
        errors.add(f"{path}.{name}" if path else name, "unknown field")


# RFC 3339 section 5.6 (what JSON Schema's "date-time" format means), not all of ISO 8601.
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?\Z",
    re.ASCII,
)


def _time(value: Any, path: str, errors: _Errors) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime in UTC (any offset up to ±23:59 is legal)."""
    if value is _MISSING:
        return None
    if not isinstance(value, str):
        errors.add(path, "must be an ISO 8601 date-time string")
        return None
    match = _DATE_TIME.match(value)
    if match is None:
        errors.add(path, "not an ISO 8601 date-time, e.g. 2026-11-28T10:15:00Z")
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction, offset = match.group(7), match.group(8)
    if offset is None:
        errors.add(path, "needs a time zone, e.g. 2026-11-28T10:15:00Z or +01:00")
        return None
    tz = UTC
    if offset not in ("Z", "z"):
        offset_hours, offset_minutes = int(offset[1:3]), int(offset[4:6])
        if offset_hours > 23 or offset_minutes > 59:
            errors.add(path, "the time zone offset must be between -23:59 and +23:59")
            return None
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=offset_hours, minutes=offset_minutes))
    # A leap second (23:59:60) is legal RFC 3339; Python has no such second, so it is :59.
    second = min(second, 59)
    try:
        parsed = datetime(
            year,
            month,
            day,
            hour,
            minute,
            second,
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
        # Stored in UTC: PostgreSQL refuses offsets beyond ±15:59, which RFC 3339 allows.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.add(path, "not a real date and time in the years 0001 to 9999")
        return None


def reference_errors(reference: str) -> list[FieldError]:
    """Why ``reference`` (from a URL path) cannot name a report; empty when it can."""
    errors = _Errors()
    spec = REFERENCE_SCHEMA | {"x-pattern-message": "must be a report reference like HL-4KX9-T2QM"}
    _string(reference, "reference", errors, spec)
    return errors


def _file(value: Any, path: str, errors: _Errors) -> FileInput | None:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    _unknown(value, FILE_SCHEMA, path, errors)
    props = FILE_SCHEMA["properties"]
    hashes: dict[str, str] = {}
    for algorithm, length in HASH_LENGTHS.items():
        raw = value.get(algorithm, _MISSING)
        if raw is _MISSING:
            continue
        spec = props[algorithm] | {"x-pattern-message": f"must be {length} hexadecimal characters"}
        if checked := _string(raw, f"{path}.{algorithm}", errors, spec):
            hashes[algorithm] = checked.lower()
    if not {"md5", "sha1", "sha256"} & set(value):
        errors.add(path, "give at least one of md5, sha1, sha256 (the file itself is not needed)")
    quality = _integer(
        value.get("pdq_quality", _MISSING), f"{path}.pdq_quality", errors, props["pdq_quality"]
    )
    size = _integer(value.get("size", _MISSING), f"{path}.size", errors, props["size"])
    return FileInput(
        md5=hashes.get("md5", ""),
        sha1=hashes.get("sha1", ""),
        sha256=hashes.get("sha256", ""),
        pdq=hashes.get("pdq", ""),
        pdq_quality=quality if "pdq" in hashes else None,
        file_name=_string(
            value.get("file_name", _MISSING), f"{path}.file_name", errors, props["file_name"]
        ),
        file_size=size,
        media_type=_string(
            value.get("media_type", _MISSING), f"{path}.media_type", errors, props["media_type"]
        ),
    )


def _account(value: Any, path: str, errors: _Errors) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return {}
    _unknown(value, ACCOUNT_SCHEMA, path, errors)
    props = ACCOUNT_SCHEMA["properties"]
    account = {
        k: _string(value[k], f"{path}.{k}", errors, props[k]) for k in ACCOUNT_FIELDS if k in value
    }
    if not value:
        errors.add(path, f"give at least one of {', '.join(ACCOUNT_FIELDS)}")
    return {k: v for k, v in account.items() if v}


def _url(value: Any, path: str, errors: _Errors) -> str:
    raw = _string(value, path, errors, URL_SCHEMA)
    if not raw:
        return ""
    try:
        check_web_address(raw)
    except InvalidUrl as exc:
        errors.add(path, str(exc))
        return ""
    return raw


def parse_report(value: Any, path: str, errors: _Errors) -> ReportInput | None:
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    _unknown(value, REPORT_SCHEMA, path, errors)
    props = REPORT_SCHEMA["properties"]
    p = f"{path}."

    def get(name: str) -> Any:
        return value.get(name, _MISSING)

    def text(name: str) -> str:
        return _string(get(name), p + name, errors, props[name])

    if get("external_id") in (_MISSING, ""):
        errors.add(p + "external_id", "required")
        external_id = ""
    else:
        external_id = text("external_id")
    incident_type = text("incident_type")
    if get("incident_type") is _MISSING:
        errors.add(p + "incident_type", f"must be one of {', '.join(INCIDENT_TYPES)}")
    urls = [
        url
        for i, raw in enumerate(_list(get("urls"), p + "urls", errors, props["urls"]))
        if (url := _url(raw, f"{p}urls[{i}]", errors))
    ]
    files = [
        f
        for i, raw in enumerate(_list(get("files"), p + "files", errors, props["files"]))
        if (f := _file(raw, f"{p}files[{i}]", errors)) is not None
    ]
    if not value.get("urls") and not value.get("files"):
        errors.add(path, "give at least one URL or one file's hashes")
    raw_accounts = _list(
        get("reported_accounts"), p + "reported_accounts", errors, props["reported_accounts"]
    )
    accounts = [
        _account(raw, f"{p}reported_accounts[{i}]", errors) for i, raw in enumerate(raw_accounts)
    ]
    annotation_spec = props["annotations"]
    annotations = [
        checked
        for i, raw in enumerate(
            _list(get("annotations"), p + "annotations", errors, annotation_spec)
        )
        if (checked := _string(raw, f"{p}annotations[{i}]", errors, annotation_spec["items"]))
    ]
    child_in_danger = get("child_in_danger")
    if child_in_danger is _MISSING:
        child_in_danger = False
    elif not isinstance(child_in_danger, bool):
        errors.add(p + "child_in_danger", "must be true or false")
        child_in_danger = False
    return ReportInput(
        channel=Channel.COMPANY_API,
        concern=INCIDENT_TYPES.get(incident_type, Concern.OTHER),
        urls=urls,
        files=files,
        description=text("description"),
        child_in_danger=child_in_danger,
        urgent_reason=text("urgent_reason"),
        external_id=external_id,
        incident_type=incident_type,
        incident_time=_time(get("incident_time"), p + "incident_time", errors),
        platform=text("platform"),
        reported_accounts=accounts,
        annotations=sorted(set(annotations)),
    )


def parse_batch(body: Any) -> tuple[list[ReportInput], list[FieldError]]:
    """Parse ``{"reports": [...]}``; any error means nothing may be stored."""
    errors = _Errors()
    if not isinstance(body, dict):
        errors.add("", 'the body must be an object like {"reports": [...]}')
        return [], errors
    _unknown(body, BATCH_SCHEMA, "", errors)
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
