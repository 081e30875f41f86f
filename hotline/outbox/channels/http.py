"""JSON over HTTP(S) POST, with an ``Idempotency-Key`` header receivers dedupe on.

Other apps extend the request (federation signs it) by registering a signer for
``payload["signer"]``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings

from hotline.core.registry import Registry
from hotline.outbox.channels.base import PermanentFailure, TemporaryFailure, register

if TYPE_CHECKING:
    from hotline.outbox.models import OutboxMessage

# A signer gets (method, url, body, headers) and returns headers to add.
Signer = Callable[[str, str, bytes, dict[str, str]], dict[str, str]]
SIGNERS: Registry[Signer] = Registry("outbox signer")

_RETRYABLE = {408, 425, 429}


class HttpChannel:
    name = "http"

    def deliver(self, message: OutboxMessage) -> None:
        url = message.destination
        if not url.startswith(("https://", "http://")):
            raise PermanentFailure(f"not an http(s) URL: {url!r}")
        body = json.dumps(message.payload.get("body", {}), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(message.id),
            "User-Agent": "Hotline outbox",
        }
        signer_name = message.payload.get("signer")
        if signer_name:
            signer = SIGNERS.get(signer_name)
            if signer is None:
                raise TemporaryFailure(f"signer {signer_name!r} is not loaded in this worker")
            headers.update(signer("POST", url, body, headers))
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=settings.OUTBOX_HTTP_TIMEOUT) as response:  # noqa: S310
                response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace")
            if exc.code >= 500 or exc.code in _RETRYABLE:
                raise TemporaryFailure(f"HTTP {exc.code}: {detail}") from exc
            raise PermanentFailure(f"HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TemporaryFailure(f"cannot reach {url}: {exc}") from exc


register(HttpChannel())
