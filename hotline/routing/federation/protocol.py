"""The federation protocol's messages: what each type carries, and reading them on arrival.

Pure functions, no database: ``envelope`` builds a message body to send; ``parse_message``
reads a received body (already JSON-decoded) into a ``Message`` or raises ``InvalidMessage``
with an error list per field (``{"package.item.url": ["..."]}``), which the inbox turns into a
422 problem document. See the package docstring and docs/federation.md for the protocol.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from django.utils import timezone

from hotline.cases.models import Concern, ItemKind
from hotline.hosting.canonical import InvalidUrl, canonicalize

INBOX_PATH = "/api/v1/federation/inbox"
SIGNER_NAME = "federation"
MAX_MESSAGE_BYTES = 1_000_000
MAX_REFERENCE_LENGTH = 100

FORWARD = "forward"
ACK = "ack"
STATUS = "status"
PING = "ping"  # "can you hear me and do you trust my key?": answered, changes nothing
MESSAGE_TYPES = (FORWARD, ACK, STATUS, PING)

# What a partner may tell the origin about a forwarded item.
ASSESSED = "assessed"  # found illegal under the partner's law; they act on it
NOT_ILLEGAL = "not_illegal"  # not illegal where it is hosted; nothing more will happen
REMOVED = "removed"  # the content is gone from its host (``at`` says when)
STATUSES = (ASSESSED, NOT_ILLEGAL, REMOVED)

_HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
_HEX = re.compile(r"[0-9a-fA-F]+")
_REFERENCE = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


class Envelope(TypedDict):
    """Every message: ``id`` is the sender's outbox message id (the idempotency key)."""

    id: str
    type: str
    sent_at: str


class ForwardBody(Envelope):
    reference: str  # the sender's referral id: acks and statuses name it
    package: dict[str, Any]  # ``hotline.routing.packages.item_package``


class AckBody(Envelope):
    reference: str  # the referral id the forward carried
    remote_reference: str  # the reference of the report the forward became


class StatusBody(Envelope):
    reference: str
    status: str
    at: str
    remote_reference: NotRequired[str]
    legality: NotRequired[str]


@dataclass(frozen=True)
class Forward:
    """A forwarded item, as much as the receiver needs to file a report about it."""

    reference: str
    kind: str
    url: str = ""
    hashes: dict[str, str] = field(default_factory=dict)
    concern: str = Concern.CSAM
    legality: str = ""
    severity: str = ""


@dataclass(frozen=True)
class Ack:
    reference: str
    remote_reference: str


@dataclass(frozen=True)
class Status:
    reference: str
    status: str
    at: datetime
    remote_reference: str = ""
    legality: str = ""


@dataclass(frozen=True)
class Ping:
    """A connection test: the receiver checks the signature like any message and answers."""


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    type: str
    sent_at: datetime
    content: Forward | Ack | Status | Ping


class InvalidMessage(Exception):
    """A message that cannot be accepted as sent; ``errors`` lists what is wrong, per field."""

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        status: int = 422,
        title: str = "Invalid message",
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.status = status
        self.title = title


def inbox_url(base_url: str) -> str:
    """Where a partner instance receives messages."""
    return base_url.rstrip("/") + INBOX_PATH


def envelope(message_type: str, fields: dict[str, Any], *, message_id: str = "") -> dict[str, Any]:
    """A message body of ``message_type`` with ``fields``; the id is filled in once known."""
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown federation message type {message_type!r}")
    return {
        "id": message_id,
        "type": message_type,
        "sent_at": timezone.now().isoformat(),
        **fields,
    }


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def string(
        self, data: dict[str, Any], name: str, *, path: str = "", required: bool = True
    ) -> str:
        where = f"{path}{name}"
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.add(where, "This field is required.")
            return ""
        if not isinstance(value, str):
            self.add(where, "Expected a string.")
            return ""
        return value

    def reference(self, data: dict[str, Any], name: str) -> str:
        value = self.string(data, name)
        if value and (len(value) > MAX_REFERENCE_LENGTH or not _REFERENCE.fullmatch(value)):
            self.add(name, f"Expected 1 to {MAX_REFERENCE_LENGTH} printable ASCII characters.")
            return ""
        return value

    def moment(self, data: dict[str, Any], name: str) -> datetime | None:
        value = self.string(data, name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.add(name, "Expected an ISO 8601 date and time, e.g. 2026-03-02T10:05:00+00:00.")
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.add(name, "Expected a date and time with its UTC offset.")
            return None
        return moment

    def raise_if_any(self) -> None:
        if self.by_field:
            names = ", ".join(sorted(self.by_field))
            raise InvalidMessage(f"Fix these fields: {names}.", errors=self.by_field)


def parse_message(data: Any) -> Message:
    """Read a decoded message body; raise ``InvalidMessage`` with field errors if it is bad."""
    if not isinstance(data, dict):
        raise InvalidMessage(
            "The body must be a JSON object.", errors={"": ["Expected an object."]}
        )
    errors = _Errors()
    raw_id = errors.string(data, "id")
    message_id: uuid.UUID | None = None
    if raw_id:
        try:
            message_id = uuid.UUID(raw_id)
        except ValueError:
            errors.add("id", "Expected a UUID.")
    message_type = errors.string(data, "type")
    if message_type and message_type not in MESSAGE_TYPES:
        errors.add("type", f"Unknown message type; expected one of {', '.join(MESSAGE_TYPES)}.")
    sent_at = errors.moment(data, "sent_at")
    content: Forward | Ack | Status | Ping | None = None
    if message_type == PING:
        content = Ping()
    elif message_type == FORWARD:
        content = _forward(data, errors)
    elif message_type == ACK:
        content = Ack(
            reference=errors.reference(data, "reference"),
            remote_reference=errors.reference(data, "remote_reference"),
        )
    elif message_type == STATUS:
        content = _status(data, errors)
    errors.raise_if_any()
    if message_id is None or sent_at is None or content is None:  # reported above; for mypy
        raise InvalidMessage("The message is incomplete.")
    return Message(id=message_id, type=message_type, sent_at=sent_at, content=content)


def _status(data: dict[str, Any], errors: _Errors) -> Status | None:
    reference = errors.reference(data, "reference")
    status = errors.string(data, "status")
    if status and status not in STATUSES:
        errors.add("status", f"Unknown status; expected one of {', '.join(STATUSES)}.")
    at = errors.moment(data, "at")
    remote_reference = errors.string(data, "remote_reference", required=False)
    if len(remote_reference) > MAX_REFERENCE_LENGTH:
        errors.add("remote_reference", f"At most {MAX_REFERENCE_LENGTH} characters.")
    legality = errors.string(data, "legality", required=False)[:20]
    if at is None:
        return None
    return Status(reference, status, at, remote_reference[:MAX_REFERENCE_LENGTH], legality)


def _forward(data: dict[str, Any], errors: _Errors) -> Forward | None:
    reference = errors.reference(data, "reference")
    package = data.get("package")
    if not isinstance(package, dict):
        errors.add("package", "Expected an object (the forwarded item's package).")
        return None
    item = package.get("item")
    if not isinstance(item, dict):
        errors.add("package.item", "Expected an object.")
        return None
    kind = errors.string(item, "kind", path="package.item.")
    url = ""
    hashes: dict[str, str] = {}
    if kind == ItemKind.URL:
        url = errors.string(item, "url", path="package.item.")
        if url:
            try:
                canonical = canonicalize(url)
            except InvalidUrl as exc:
                errors.add("package.item.url", str(exc))
            else:
                if canonical.scheme not in ("http", "https") or len(url) > 2048:
                    errors.add(
                        "package.item.url",
                        "Expected an http(s) address of at most 2048 characters.",
                    )
    elif kind == ItemKind.FILE:
        hashes = _hashes(item.get("hashes"), errors)
    elif kind:
        errors.add("package.item.kind", "Expected url or file.")
    concerns = item.get("concerns", [])
    if not isinstance(concerns, list) or not all(isinstance(c, str) for c in concerns):
        errors.add("package.item.concerns", "Expected a list of strings.")
        concerns = []
    assessment = package.get("assessment")
    if assessment is not None and not isinstance(assessment, dict):
        errors.add("package.assessment", "Expected an object or null.")
        assessment = None
    assessment = assessment or {}
    return Forward(
        reference=reference,
        kind=kind,
        url=url,
        hashes=hashes,
        concern=_concern(concerns),
        legality=_short(assessment.get("legality")),
        severity=" ".join(
            part
            for part in (_short(assessment.get("scheme")), _short(assessment.get("severity")))
            if part
        ),
    )


def _hashes(value: Any, errors: _Errors) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.add("package.item.hashes", "Expected an object of hashes (md5, sha1, sha256, pdq).")
        return {}
    hashes: dict[str, str] = {}
    for algorithm, length in _HASH_LENGTHS.items():
        digest = value.get(algorithm)
        if digest is None:
            continue
        if not isinstance(digest, str) or len(digest) != length or not _HEX.fullmatch(digest):
            errors.add(f"package.item.hashes.{algorithm}", f"Expected {length} hexadecimal digits.")
            continue
        hashes[algorithm] = digest.lower()
    if not set(hashes) & {"md5", "sha1", "sha256"}:
        errors.add("package.item.hashes", "A file needs at least one of md5, sha1 or sha256.")
    return hashes


def _concern(concerns: list[str]) -> str:
    known = [c for c in concerns if c in Concern.values]
    if Concern.CSAM in known:
        return Concern.CSAM
    return known[0] if known else Concern.OTHER


def _short(value: Any) -> str:
    return value[:50] if isinstance(value, str) else ""
