"""XARF v4 ``content``/``csam`` reports and the notice e-mail that carries them.

A notice to a hosting provider's abuse contact is one plain-text e-mail per abuse contact,
listing every URL still online, with one XARF report attached per URL (XARF is "one incident
= one report"). This module builds and checks those reports and writes the e-mail's text;
sending it is the outbox's job.

Followed: the XARF v4 specification, release 4.2.0 (``xarf/xarf-spec`` tag ``v4.2.0``, commit
37820dace8ac6a9495d33886abc9f94e3d1691fe): ``docs/specification.md``,
``docs/implementation-guide.md``, ``schemas/v4/xarf-core.json``,
``schemas/v4/types/content-base.json`` and ``schemas/v4/types/content-csam.json``.
``CSAM_REPORT_SCHEMA`` is our own JSON Schema (draft 2020-12, the draft the spec uses) written
from those documents; none of the spec's files is copied. It holds what the spec requires of a
``content``/``csam`` report, marks the spec's recommended members with ``x-recommended`` as the
spec does, and adds three refusals that the spec states in prose for CSAM or for transmitted
reports, so that a report we send can never break them:

- evidence items whose ``content_type`` is an image, video or audio type (the spec says not
  to attach visual content to csam reports but hash values and reference IDs; we refuse audio
  too);
- ``screenshot_url`` (it would point at the material itself);
- ``_internal`` (the spec says it must be stripped before a report is transmitted).

Members the spec does not name stay allowed, as the spec wants (``additionalProperties`` is
true at the report level); the ``reporter``/``sender`` objects and evidence items are closed.

Nothing about the member of the public who reported the material ever goes into a report: the
XARF ``reporter`` is the hotline itself, and the builder takes no name, address or free text
from a public report. Reports carry hashes and references only, never media.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import idna
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

__all__ = [
    "CLASSIFICATIONS",
    "CSAM_REPORT_SCHEMA",
    "DETECTION_METHODS",
    "MEDIA_TYPES",
    "VERIFICATION_METHODS",
    "XARF_VERSION",
    "InvalidXarfReport",
    "NoticeLine",
    "ascii_host",
    "build_csam_report",
    "notice_email",
    "reporter_domain",
    "validate_report",
]

XARF_VERSION = "4.2.0"
CLASSIFICATIONS = ("baseline", "A1", "A2", "B1", "B2")
DETECTION_METHODS = ("hash_match", "ai_detection", "manual_review", "user_report", "automated_scan")
MEDIA_TYPES = ("image", "video", "audio", "text", "mixed")
VERIFICATION_METHODS = (
    "manual",
    "automated_crawler",
    "user_report",
    "honeypot",
    "threat_intelligence",
)
ATTACK_VECTORS = (
    "phishing",
    "malware",
    "fraud",
    "brand_infringement",
    "copyright_infringement",
    "data_leak",
    "remote_compromise",
    "suspicious_registration",
)
# The spec's pattern for content ``domain``: lower-case names with a letters-only TLD. It refuses
# IDNA ``xn--`` labels and IP addresses, so the builder leaves ``domain`` out for those hosts.
_SPEC_DOMAIN = r"^([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$"


def _string(error: str = "must be text", **keywords: Any) -> dict[str, Any]:
    return {"type": "string", "x-error": error, **keywords}


def _date_time(**keywords: Any) -> dict[str, Any]:
    return _string(
        "must be an RFC 3339 date-time with a UTC offset", format="date-time", **keywords
    )


def _enum(values: tuple[str, ...], **keywords: Any) -> dict[str, Any]:
    return {"enum": list(values), "x-error": f"must be one of {', '.join(values)}", **keywords}


def _number(
    minimum: int, maximum: int, what: str, *, kind: str = "integer", **keywords: Any
) -> dict[str, Any]:
    error = f"must be {what} from {minimum} to {maximum}"
    return {"type": kind, "minimum": minimum, "maximum": maximum, "x-error": error, **keywords}


def _boolean(**keywords: Any) -> dict[str, Any]:
    return {"type": "boolean", "x-error": "must be true or false", **keywords}


def _list_of(item: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    return {"type": "array", "items": item, "x-error": "must be a list", **keywords}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "x-error": "must be an object"}


def _forbidden(why: str) -> dict[str, Any]:
    return {"not": {}, "x-error": why}


_RECOMMENDED: dict[str, Any] = {"x-recommended": True}  # the spec's marker for recommended members

_CONTACT: dict[str, Any] = {
    "type": "object",
    "required": ["org", "contact", "domain"],
    "properties": {
        "org": _string("must be an organisation name of at most 200 characters", maxLength=200),
        "contact": _string("must be an e-mail address", format="email"),
        "domain": _string("must be a host name", format="hostname"),
    },
    "additionalProperties": False,
}

_EVIDENCE_ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["content_type", "payload"],
    "properties": {
        "content_type": _string(
            "must be a MIME type that is not image, video or audio: a CSAM report carries "
            "hashes and references, never media",
            **{"not": {"pattern": "^(image|video|audio)/"}},
        ),
        "description": _string("must be at most 500 characters", maxLength=500, **_RECOMMENDED),
        "payload": _string("must be base64 text", contentEncoding="base64"),
        "hash": _string(
            "must be 'algorithm:hex' with md5, sha1, sha256 or sha512",
            pattern="^(md5|sha1|sha256|sha512):[a-fA-F0-9]+$",
            **_RECOMMENDED,
        ),
        "size": _number(0, 5 * 1024 * 1024, "a size in bytes"),
    },
    "additionalProperties": False,
}

CSAM_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "XARF v4 report, category content, type csam (Hotline's reading of XARF 4.2.0)",
    "type": "object",
    "required": [
        # core
        "xarf_version",
        "report_id",
        "timestamp",
        "reporter",
        "sender",
        "source_identifier",
        "category",
        "type",
        # content
        "url",
        # csam
        "classification",
        "detection_method",
    ],
    "properties": {
        # --- core (xarf-core.json) ---
        "xarf_version": _string("must be a version 4.x.y", pattern=r"^4\.[0-9]+\.[0-9]+$"),
        "report_id": _string("must be a UUID", format="uuid"),
        "timestamp": _date_time(),
        "reporter": _CONTACT,
        "sender": _CONTACT,
        "source_identifier": _string(),
        "source_port": _number(1, 65535, "a port number", **_RECOMMENDED),
        "category": {"const": "content", "x-error": "must be 'content'"},
        "type": {"const": "csam", "x-error": "must be 'csam'"},
        "evidence_source": _string(**_RECOMMENDED),
        "evidence": _list_of(_EVIDENCE_ITEM, maxItems=50, **_RECOMMENDED),
        "tags": _list_of(
            _string(
                "must be a tag 'namespace:value'",
                pattern=r"^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+-]*$",
            ),
            maxItems=20,
        ),
        "confidence": _number(0, 1, "a number", kind="number", **_RECOMMENDED),
        "description": _string("must be at most 1000 characters", maxLength=1000),
        "legacy_version": _enum(("3",)),
        "_internal": _forbidden("must be removed before a report is sent (XARF internal metadata)"),
        # --- content category (content-base.json) ---
        "url": _string("must be an absolute URI (RFC 3986)", format="uri"),
        "domain": _string("must be a lower-case domain name", pattern=_SPEC_DOMAIN, **_RECOMMENDED),
        "registrar": _string(),
        "nameservers": _list_of(_string()),
        "dns_records": _object(
            a=_list_of(_string("must be an IPv4 address", format="ipv4")),
            aaaa=_list_of(_string("must be an IPv6 address", format="ipv6")),
            mx=_list_of(_string()),
            txt=_list_of(_string()),
        ),
        "screenshot_url": _forbidden(
            "must not be used in a CSAM report: it would point at the material"
        ),
        "verified_at": _date_time(**_RECOMMENDED),
        "verification_method": _enum(VERIFICATION_METHODS, **_RECOMMENDED),
        "attack_vector": _enum(ATTACK_VECTORS),
        "target_brand": _string(**_RECOMMENDED),
        "hosting_provider": _string(),
        "asn": _number(1, 4294967295, "an AS number"),
        "country_code": _string("must be an ISO 3166-1 alpha-2 code", pattern="^[A-Z]{2}$"),
        "ssl_certificate": _object(
            issuer=_string(),
            subject=_string(),
            valid_from=_date_time(),
            valid_to=_date_time(),
            fingerprint=_string(),
        ),
        "whois": _object(
            registrant=_string(),
            created_date=_date_time(),
            updated_date=_date_time(),
            expiry_date=_date_time(),
            registrar_abuse_contact=_string("must be an e-mail address", format="email"),
        ),
        "dns_response": _object(
            query_time=_date_time(),
            authoritative=_boolean(),
            response_code=_enum(("NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED")),
        ),
        # --- csam type (content-csam.json) ---
        "classification": _enum(CLASSIFICATIONS),
        "media_type": _enum(MEDIA_TYPES, **_RECOMMENDED),
        "detection_method": _enum(DETECTION_METHODS),
        "hash_values": {
            **_object(
                md5=_string("must be 32 hex digits", pattern="^[a-fA-F0-9]{32}$"),
                sha1=_string("must be 40 hex digits", pattern="^[a-fA-F0-9]{40}$"),
                sha256=_string(
                    "must be 64 hex digits", pattern="^[a-fA-F0-9]{64}$", **_RECOMMENDED
                ),
                photodna=_string(**_RECOMMENDED),
            ),
            **_RECOMMENDED,
        },
        "ncmec_report_id": _string(**_RECOMMENDED),
        "content_removed": _boolean(**_RECOMMENDED),
        "account_suspended": _boolean(),
    },
    "additionalProperties": True,
}


# --- formats ---------------------------------------------------------------------------------
# Our own checks for the formats the schema uses, so that validation does not depend on which
# optional jsonschema extras (rfc3339-validator, fqdn, rfc3987...) happen to be installed:
# without them jsonschema silently accepts any date-time, host name or URI.

_FORMATS = FormatChecker(formats=())
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@_FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value.upper())  # catches 2026-02-30, 25:00 and +24:00
    except ValueError:
        return False
    return True


@_FORMATS.checks("hostname")
def _is_hostname(value: object) -> bool:
    if not isinstance(value, str):
        return True
    labels = value.split(".")
    return len(value) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


@_FORMATS.checks("email")
def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return bool(at) and _LOCAL_PART.fullmatch(local) is not None and _is_hostname(domain)


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _URI.fullmatch(value) is None or _STRAY_PERCENT.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # a broken IPv6 literal
        return False
    # Square brackets belong to an IP literal in the host only; '#' only starts the fragment.
    return not any(c in parts.path + parts.query + parts.fragment for c in "[]#")


@_FORMATS.checks("ipv4")
def _is_ipv4(value: object) -> bool:
    return not isinstance(value, str) or _parses(ipaddress.IPv4Address, value)


@_FORMATS.checks("ipv6")
def _is_ipv6(value: object) -> bool:
    return not isinstance(value, str) or _parses(ipaddress.IPv6Address, value)


def _parses(kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address], value: str) -> bool:
    try:
        kind(value)
    except ValueError:
        return False
    return True


_VALIDATOR = Draft202012Validator(CSAM_REPORT_SCHEMA, format_checker=_FORMATS)


# --- validation ------------------------------------------------------------------------------


class InvalidXarfReport(ValueError):
    """A report that is not a valid XARF v4 ``content``/``csam`` report; ``errors`` says why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("not a valid XARF v4 content/csam report: " + "; ".join(errors))
        self.errors = errors


def validate_report(report: object) -> list[str]:
    """Check ``report`` against ``CSAM_REPORT_SCHEMA``; one readable line per problem.

    Each line starts with where the problem is (``report`` for the report itself, else a path
    such as ``reporter.contact`` or ``evidence[0].content_type``). An empty list means valid.
    """
    described = (_describe(error) for error in _VALIDATOR.iter_errors(report))
    return [line for _, line in sorted(described)]


def _describe(error: ValidationError) -> tuple[str, str]:
    """(where, the readable line): sorting on ``where`` first puts a parent before its parts."""
    where = _where(error.absolute_path)
    return where, _explain(error, where)


def _explain(error: ValidationError, where: str) -> str:
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(str(name) for name in error.instance if name not in known)
        names = ", ".join(repr(name) for name in extra)
        verb = "is" if len(extra) == 1 else "are"
        return f"{where}: member{'s' if len(extra) > 1 else ''} {names} {verb} not allowed here"
    explanation = error.schema.get("x-error") if isinstance(error.schema, dict) else None
    if explanation:
        return f"{where}: {explanation} (got {_shorten(error.instance)})"
    return f"{where}: {error.message}"


def _where(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "report"


def _shorten(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- building --------------------------------------------------------------------------------


def build_csam_report(
    *,
    report_id: str,
    url: str,
    source_identifier: str,
    timestamp: datetime,
    reporter_org: str,
    reporter_contact: str,
    reporter_domain: str,
    classification: str,
    detection_method: str = "manual_review",
    evidence_source: str = "researcher_analysis",
    verification_method: str | None = "manual",
    verified_at: datetime | None = None,
    media_type: str | None = None,
    hashes: Mapping[str, str] | None = None,
    source_port: int | None = None,
    asn: int | None = None,
    country_code: str | None = None,
    content_removed: bool = False,
    description: str = "",
) -> dict[str, Any]:
    """One XARF v4 ``content``/``csam`` report about one URL, checked before it is returned.

    - ``report_id``: a UUID (the spec asks generators for a version 4 UUID); keep it stable
      across the repeats of one notice so the provider sees one incident;
    - ``timestamp``: timezone-aware, when the material was found online;
    - ``reporter_*``: the hotline (sent as both XARF ``reporter`` and ``sender``), never the
      person who reported the material to the hotline;
    - ``classification``: one of ``CLASSIFICATIONS`` (baseline, A1, A2, B1, B2);
    - ``detection_method``, ``evidence_source``, ``verification_method``: how the material was
      found and confirmed; the defaults say a hotline analyst reviewed it;
    - ``hashes``: e.g. ``{"sha256": "..."}``; the spec names md5, sha1, sha256 and photodna;
    - ``url`` is sent as an RFC 3986 URI: characters a URI may not contain are percent-encoded;
    - ``description``: the hotline's own words, at most 1000 characters; never text written by
      a member of the public.

    Raises ``InvalidXarfReport`` (a ``ValueError``) with readable reasons when the result
    would not be valid, as the spec asks of generators.
    """
    for name, moment in (("timestamp", timestamp), ("verified_at", verified_at)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidXarfReport([f"{name}: must be timezone-aware (got {moment!r})"])
    contact = {"org": reporter_org, "contact": reporter_contact, "domain": reporter_domain}
    uri = _as_uri(url)
    report: dict[str, Any] = {
        "xarf_version": XARF_VERSION,
        "report_id": report_id,
        "timestamp": _rfc3339(timestamp),
        "reporter": dict(contact),
        "sender": dict(contact),
        "source_identifier": source_identifier,
    }
    if source_port is not None:
        report["source_port"] = source_port
    report |= {
        "category": "content",
        "type": "csam",
        "evidence_source": evidence_source,
        "url": uri,
    }
    domain = _domain_of(uri)
    if domain:
        report["domain"] = domain
    if verified_at is not None:
        report["verified_at"] = _rfc3339(verified_at)
    if verification_method is not None:
        report["verification_method"] = verification_method
    if asn is not None:
        report["asn"] = asn
    if country_code is not None:
        report["country_code"] = country_code
    report |= {"classification": classification, "detection_method": detection_method}
    if media_type is not None:
        report["media_type"] = media_type
    hash_values = {name: value for name, value in (hashes or {}).items() if value}
    if hash_values:
        report["hash_values"] = hash_values
    report["content_removed"] = content_removed
    if description:
        report["description"] = description
    errors = validate_report(report)
    if errors:
        raise InvalidXarfReport(errors)
    return report


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_uri(url: str) -> str:
    """``url`` with every character that RFC 3986 does not allow in its place percent-encoded,
    and an internationalised host name in its IDNA (punycode) spelling: our schema's ``url``
    is a URI, so ``http://bücher.example.test/`` is sent as ``http://xn--bcher-kva...``."""
    if _is_uri(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # left as it is; validation then says what is wrong with it

    def encode(component: str, safe: str) -> str:
        return quote(_STRAY_PERCENT.sub("%25", component), safe=safe)

    path_safe = "!$&'()*+,;=:@/%"
    userinfo, at, host_and_port = parts.netloc.rpartition("@")
    if not host_and_port.startswith("["):  # an IP literal is ASCII already
        host, colon, port = host_and_port.partition(":")
        host_and_port = ascii_host(host) + colon + port
    return urlunsplit(
        (
            parts.scheme,
            encode(userinfo, "!$&'()*+,;=:%") + at + host_and_port,
            encode(parts.path, path_safe),
            encode(parts.query, path_safe + "?"),
            encode(parts.fragment, path_safe + "?"),
        )
    )


def ascii_host(host: str) -> str:
    """``host`` in ASCII: an internationalised name as IDNA 2008 (UTS 46 mapping) punycode,
    falling back to IDNA 2003 for names IDNA 2008 refuses; left as it is (and so refused by
    validation, with the reason) when neither can spell it."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def reporter_domain(base_url: str) -> str:
    """The public host name in ``base_url`` (this instance's public address), for XARF's
    ``reporter.domain`` and ``sender.domain``.

    Those members are required and name the reporting organisation's domain, so an address
    a hosting provider cannot look up is refused rather than sent: an IP address, a loopback
    or single-label name (``localhost``), or no host at all. Raises ``ValueError`` saying so.
    """
    try:
        host = (urlsplit(base_url).hostname or "").rstrip(".")
    except ValueError:
        host = ""
    if not host:
        raise ValueError(f"{base_url!r} has no host name")
    if _parses(ipaddress.IPv4Address, host) or _parses(ipaddress.IPv6Address, host):
        raise ValueError(f"{base_url!r} names an IP address, not a public host name")
    domain = ascii_host(host)
    if "." not in domain or domain == "localhost" or domain.endswith(".localhost"):
        raise ValueError(f"{base_url!r} does not name a public host name ({domain!r})")
    if not _is_hostname(domain):
        raise ValueError(f"{base_url!r} has a host that is not a valid DNS name ({domain!r})")
    return domain


def _domain_of(uri: str) -> str:
    try:
        host = urlsplit(uri).hostname or ""
    except ValueError:
        return ""
    return host if re.fullmatch(_SPEC_DOMAIN, host) else ""


# --- the notice e-mail -----------------------------------------------------------------------

_WIDTH = 72


@dataclass(frozen=True)
class NoticeLine:
    """One URL of a notice: its address, when the hotline first received a report of it, and
    the XARF ``report_id`` of its attachment (``xarf-<report_id>.json``), which is also the
    reference the provider quotes when it replies."""

    url: str
    first_reported_at: datetime
    report_id: str


def notice_email(
    *,
    provider_name: str,
    items: list[NoticeLine],
    repeat: int,
    instance_name: str,
    reply_to: str,
    escalated: bool = False,
    repeat_every_hours: int = 24,
) -> tuple[str, str]:
    """The subject and plain-text body of one notice e-mail to one abuse contact.

    ``repeat`` is 0 for the first notice and N for the N-th reminder (notices repeat every
    ``repeat_every_hours`` until the material is removed). ``escalated`` adds a line saying
    the matter has been escalated. The body lists every URL, in the order given, with its
    reference; each URL has its own XARF attachment, ``xarf-<report_id>.json``.
    """
    if not items:
        raise ValueError("a notice lists at least one URL")
    if repeat < 0:
        raise ValueError(f"repeat must be 0 (first notice) or more, not {repeat}")
    provider = _one_line(provider_name)
    instance = _one_line(instance_name)
    reply = _one_line(reply_to)
    several = len(items) > 1
    count = f"{len(items)} URLs" if several else "1 URL"

    if repeat == 0:
        label, state = "Takedown notice", "on your network"
    else:
        label, state = f"Reminder {repeat}", "still online"
    if escalated:
        label = f"Escalated, {label[0].lower()}{label[1:]}"
    subject = f"[{instance}] {label}: child sexual abuse material {state} ({count})"

    it = "them" if several else "it"
    addresses = "web addresses" if several else "web address"
    paragraphs: list[str] = [f"Dear {provider} abuse team,"]
    if repeat:
        paragraphs.append(
            _fill(
                f"This is reminder {repeat} about the {addresses} below. When we last "
                "checked, the material was still online."
            )
        )
    if escalated:
        paragraphs.append(
            _fill(
                "Because the material is still online after repeated notices, this matter "
                "has been escalated. Please treat it as a priority."
            )
        )
    paragraphs.append(
        _fill(
            f"{instance}, a national hotline for reports of child sexual abuse material, has "
            f"found the material at the {addresses} below on your network. A trained analyst "
            f"of the hotline has assessed {it} as child sexual abuse material (CSAM), which is "
            "illegal to host or distribute."
        )
    )
    paragraphs.append(
        "\n\n".join(_item_block(number, item) for number, item in enumerate(items, 1))
    )
    paragraphs.append(
        "We ask you to:\n\n"
        + "\n".join(
            _fill(request, initial_indent="- ", subsequent_indent="  ")
            for request in (
                "remove the material, or disable access to it, without delay;",
                "preserve the material and the related records (such as account details, "
                "upload logs and IP addresses) as evidence for law enforcement, as far as "
                "the law that applies to you allows;",
                "not notify the uploader or the account holder, where the law allows, so "
                "that a police investigation is not compromised.",
            )
        )
    )
    paragraphs.append(_fill("Please do not send the material itself to us or to anyone else."))
    paragraphs.append(
        _fill(
            f"Please reply to {reply} to confirm the removal, quoting our reference for each "
            "address, or to tell us if you cannot act. A machine-readable XARF v4 report is "
            "attached for each address, named after its reference."
        )
    )
    paragraphs.append(
        _fill(
            f"Until the material is removed, we check the {addresses} and repeat this notice "
            f"every {repeat_every_hours} hours."
        )
    )
    paragraphs.append(f"Kind regards,\n{instance}\n{reply}")
    return subject, "\n\n".join(paragraphs) + "\n"


def _item_block(number: int, item: NoticeLine) -> str:
    if item.first_reported_at.utcoffset() is None:
        raise ValueError(f"first_reported_at must be timezone-aware for {item.url}")
    reported = item.first_reported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{number}. {item.url}\n"
        f"   First reported to us: {reported}\n"
        f"   Our reference: {item.report_id}\n"
        f"   Attachment: xarf-{item.report_id}.json"
    )


def _fill(text: str, initial_indent: str = "", subsequent_indent: str = "") -> str:
    # URLs and e-mail addresses are never broken across lines.
    return textwrap.fill(
        text,
        width=_WIDTH,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _one_line(text: str) -> str:
    """A name fit for a subject line: no line breaks (header injection), single spaces."""
    return " ".join(text.split())
