"""What one liveness check found: a verdict, why, and the metadata of the requests it sent.

A result never holds a response body, a reason phrase or any other text the remote server
wrote, except the few header values listed on ``LivenessResult`` (``Location`` through the
redirect chain, ``Content-Type``, ``Content-Length``), each cut to a bounded length.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "GONE_STATUSES",
    "Hop",
    "Liveness",
    "LivenessResult",
    "Reason",
    "classify_status",
]

# 451 "Unavailable For Legal Reasons" is how many hosts answer once a notice was acted on.
GONE_STATUSES = frozenset({404, 410, 451})
DENIED_STATUSES = frozenset({401, 403})


class Liveness(enum.StrEnum):
    """The verdict of a check; stored as its value.

    - ``live``: the final response was 2xx; the content is still served.
    - ``gone``: the final response was 404, 410 or 451; the content has been removed.
    - ``denied``: the final response was 401 or 403: the server answers but will not show the
      content to us. It may be removed, suspended or only hidden from our vantage point: an
      analyst should look.
    - ``error``: no verdict: 5xx, 429 and other statuses, timeouts, refused or reset
      connections, DNS and TLS failures, malformed HTTP, too many redirects, proxy failures.
      Check again later.
    - ``blocked``: the checker refused to send a request, by its own policy (an internal
      address, a forbidden scheme, port or host name, credentials in the URL, an invalid URL),
      for the URL given or for a redirect target. Nothing was sent to the refused target.
    """

    LIVE = "live"
    GONE = "gone"
    DENIED = "denied"
    ERROR = "error"
    BLOCKED = "blocked"


class Reason(enum.StrEnum):
    """Why a check ended as it did, finer than ``Liveness``; stored as its value."""

    HTTP_STATUS = "http_status"  # the final status code decided (live, gone, denied or error)
    TOO_MANY_REDIRECTS = "too_many_redirects"
    DNS_FAILURE = "dns_failure"
    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_FAILED = "connection_failed"  # unreachable, reset, closed early
    TIMEOUT = "timeout"  # a connect or read timeout
    DEADLINE = "deadline"  # the whole check ran out of time
    TLS_ERROR = "tls_error"  # handshake failed or the certificate does not verify for the host
    PROTOCOL_ERROR = "protocol_error"  # the answer was not valid HTTP
    PROXY_ERROR = "proxy_error"  # the configured proxy was unreachable or refused the tunnel
    # The policy refusals (liveness "blocked"):
    INVALID_URL = "invalid_url"
    SCHEME = "scheme"
    USERINFO = "userinfo"
    PORT = "port"
    HOST_NAME = "host_name"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Hop:
    """One request the checker sent, or tried to send when ``status_code`` is ``None``.

    ``address`` is the IP address the connection went to or was tried (through the tunnel
    when a proxy is set): always one that passed the address checks. ``elapsed`` is seconds.
    """

    method: str
    url: str
    address: str
    status_code: int | None
    elapsed: float


@dataclass(frozen=True, slots=True)
class LivenessResult:
    """The outcome of ``check_url``; plain data, no response body, safe to store as it is.

    - ``url``: the URL as asked for.
    - ``liveness`` and ``reason``: the verdict and its cause; ``detail`` a one-line English
      explanation for logs and analysts (never text written by the remote server).
    - ``status_code``: the final HTTP status, ``None`` when no final response was received.
    - ``final_url``: the URL that decided the result: the last one requested, or the refused
      redirect target when the result is ``blocked`` by a redirect.
    - ``redirect_chain``: the deciding chain of URLs, from ``url`` to ``final_url`` inclusive
      (one entry when there was no redirect).
    - ``hops``: every request sent, in order, the HEAD chain first when GET had to follow.
    - ``content_type`` and ``content_length``: the final response's header values, ``None``
      when absent (``content_length`` also when not a whole number).
    - ``checked_at``: when the check started (UTC); ``elapsed``: its duration in seconds.
    """

    url: str
    liveness: Liveness
    reason: Reason
    detail: str
    status_code: int | None
    final_url: str
    redirect_chain: tuple[str, ...]
    hops: tuple[Hop, ...]
    content_type: str | None
    content_length: int | None
    checked_at: datetime
    elapsed: float

    @property
    def method(self) -> str | None:
        """The method of the last request sent (``HEAD`` or ``GET``), ``None`` if none was."""
        return self.hops[-1].method if self.hops else None


def classify_status(status_code: int) -> Liveness:
    """The verdict for a final (non-redirect) HTTP status code."""
    if 200 <= status_code <= 299:
        return Liveness.LIVE
    if status_code in GONE_STATUSES:
        return Liveness.GONE
    if status_code in DENIED_STATUSES:
        return Liveness.DENIED
    return Liveness.ERROR
