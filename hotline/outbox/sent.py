"""Messages as they left: an outbox message's payload decoded for people to read (subject,
text, headers, every attachment pretty-printed, or a signed forward's JSON body)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from hotline.outbox.models import OutboxMessage
from hotline.outbox.queries import messages_for


@dataclass(frozen=True)
class SentAttachment:
    filename: str
    mimetype: str
    text: str  # JSON pretty-printed as sent; other text as is
    data: Any = None  # the parsed JSON, when it is JSON


@dataclass(frozen=True)
class SentMessage:
    """One outbox message as it was queued (what the receiver got, byte for byte in content)."""

    message: OutboxMessage
    subject: str = ""
    body: str = ""
    cc: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[SentAttachment] = field(default_factory=list)
    json_body: str = ""  # a signed forward's body (http channel)
    draft: bool = False  # not queued: what a send would queue (a notice's next send)


def _attachment(raw: dict[str, Any]) -> SentAttachment:
    content = str(raw.get("content", ""))
    try:
        decoded = base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = content
    data: Any = None
    if str(raw.get("mimetype", "")).endswith("json"):
        try:
            data = json.loads(decoded)
            decoded = json.dumps(data, indent=2, ensure_ascii=False)
        except ValueError:
            data = None
    return SentAttachment(
        filename=str(raw.get("filename", "")),
        mimetype=str(raw.get("mimetype", "")),
        text=decoded,
        data=data,
    )


def decode(message: OutboxMessage, *, draft: bool = False) -> SentMessage:
    """The message's payload for people to read; ``draft`` for one not stored."""
    payload = message.payload or {}
    if message.channel == "http":
        return SentMessage(
            message=message,
            draft=draft,
            json_body=json.dumps(payload.get("body", payload), indent=2, ensure_ascii=False),
        )
    return SentMessage(
        message=message,
        draft=draft,
        subject=str(payload.get("subject", "")),
        body=str(payload.get("body", "")),
        cc=[str(c) for c in payload.get("cc", [])],
        headers={str(k): str(v) for k, v in (payload.get("headers") or {}).items()},
        attachments=[_attachment(a) for a in payload.get("attachments", [])],
    )


def sent_messages(obj: models.Model) -> list[SentMessage]:
    """Every message queued for ``obj`` (a referral, a notice), oldest first, decoded."""
    return [decode(m) for m in messages_for(obj).order_by("created_at")]
