"""The liveness checker: is the content at a reported URL still online?

``check_url(url)`` sends a HEAD request and follows redirects by hand (at most
``max_redirects``), checking every hop (the URL given, each ``Location``, relative or absolute,
whatever its scheme) as strictly as the first:

1. ``targets.parse_target``: ``http``/``https`` only, no credentials in the URL, a port from
   the allow-list, no internal host name, IP addresses in every spelling read as addresses;
2. the host is resolved once, through ``policy.resolver``, and the check is refused
   (``blocked``) when *any* of its addresses is not public (``addresses.refusal_reason``);
3. ``transport.request_once`` connects to one of exactly those addresses (directly, or by a
   proxy tunnel to that address) with the host name in ``Host``, TLS SNI and certificate
   verification, within the connect and read timeouts and the deadline of the whole check.

When the HEAD chain ends in anything but 2xx (some servers refuse or mishandle HEAD) or in a
malformed answer, the chain is followed again from the start with GET, of which at most
``max_body_bytes`` of the body are read and dropped; the GET chain then decides. A refusal, a
network failure and too many redirects decide at once.

``results.Liveness`` documents the verdicts, ``results.LivenessResult`` what is returned: no
response body, ever. ``check_url`` does not raise for anything the remote side does; only an
unusable policy (``ImproperlyConfigured`` from the settings, a missing ``ca_file``) raises.
"""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from hotline.takedown.liveness.addresses import IPAddress, parse_address, refusal_reason
from hotline.takedown.liveness.policy import FetchPolicy, policy_from_settings
from hotline.takedown.liveness.results import Hop, Liveness, LivenessResult, Reason, classify_status
from hotline.takedown.liveness.targets import Refused, Target, parse_target
from hotline.takedown.liveness.transport import Deadline, ResponseHead, TransportError, request_once

__all__ = ["FetchPolicy", "Hop", "Liveness", "LivenessResult", "Reason", "check_url"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass
class _Chain:
    """One method's walk along the redirects, and how it ended."""

    urls: list[str]
    liveness: Liveness = Liveness.ERROR
    reason: Reason = Reason.HTTP_STATUS
    detail: str = ""
    head: ResponseHead | None = None
    retry_with_get: bool = False
    hops: list[Hop] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    policy: FetchPolicy
    deadline: Deadline
    ssl_context: ssl.SSLContext


def check_url(url: str, *, policy: FetchPolicy | None = None) -> LivenessResult:
    """Decide whether the content at ``url`` is still online; see the module docstring.

    ``policy`` defaults to ``policy_from_settings()``. Never returns or keeps a response body.
    """
    policy = policy or policy_from_settings()
    checked_at = datetime.now(tz=UTC)
    started = time.monotonic()
    context = _Context(
        policy=policy,
        deadline=Deadline(policy.deadline),
        ssl_context=_ssl_context(policy.ca_file),
    )
    chain = _follow(url, "HEAD", context)
    hops = chain.hops
    if chain.retry_with_get:
        chain = _follow(url, "GET", context)
        hops = hops + chain.hops
    head = chain.head
    return LivenessResult(
        url=url,
        liveness=chain.liveness,
        reason=chain.reason,
        detail=chain.detail,
        status_code=None if head is None else head.status,
        final_url=chain.urls[-1],
        redirect_chain=tuple(chain.urls),
        hops=tuple(hops),
        content_type=None if head is None else head.content_type,
        content_length=None if head is None else head.content_length,
        checked_at=checked_at,
        elapsed=time.monotonic() - started,
    )


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Verifying TLS client context, built once per trust store (loading one takes ~20 ms)."""
    return ssl.create_default_context(cafile=ca_file)


def _follow(url: str, method: str, context: _Context) -> _Chain:
    chain = _Chain(urls=[url])
    redirects = 0
    while True:
        chain.head = None  # the response that decides belongs to the last URL of the chain
        try:
            target = parse_target(chain.urls[-1], allowed_ports=context.policy.allowed_ports)
            addresses = _checked_addresses(target, context.policy)
            head = _request(target, addresses, method, context, chain.hops)
        except Refused as refused:
            return _end(chain, Liveness.BLOCKED, refused.reason, refused.detail)
        except TransportError as failure:
            chain = _end(chain, Liveness.ERROR, failure.reason, failure.detail)
            chain.retry_with_get = failure.reason == Reason.PROTOCOL_ERROR
            return chain
        chain.head = head
        if head.status in REDIRECT_STATUSES and head.location:
            if redirects == context.policy.max_redirects:
                detail = f"More than {redirects} redirects."
                return _end(chain, Liveness.ERROR, Reason.TOO_MANY_REDIRECTS, detail)
            redirects += 1
            try:
                chain.urls.append(urljoin(chain.urls[-1], head.location))
            except ValueError:
                chain.urls.append(head.location)  # parse_target refuses it on the next turn
            continue
        liveness = classify_status(head.status)
        chain = _end(chain, liveness, Reason.HTTP_STATUS, f"The server answered {head.status}.")
        chain.retry_with_get = liveness != Liveness.LIVE
        return chain


def _end(chain: _Chain, liveness: Liveness, reason: Reason, detail: str) -> _Chain:
    chain.liveness, chain.reason, chain.detail = liveness, reason, detail
    return chain


def _checked_addresses(target: Target, policy: FetchPolicy) -> list[IPAddress]:
    """The addresses to connect to, all of them allowed; ``Refused`` if any is not."""
    if target.address is not None:
        addresses = [target.address]
    else:
        try:
            answers = policy.resolver(target.host)
        except (OSError, UnicodeError) as exc:
            raise TransportError(
                Reason.DNS_FAILURE, f"{target.host} cannot be resolved ({type(exc).__name__})."
            ) from None
        if not answers:
            raise TransportError(Reason.DNS_FAILURE, f"{target.host} has no addresses.")
        addresses = []
        for answer in answers:
            try:
                addresses.append(parse_address(answer))
            except ValueError:
                raise Refused(
                    Reason.ADDRESS, f"The resolver gave {answer[:64]!r} for {target.host}."
                ) from None
    for address in addresses:
        why = refusal_reason(address, allow_loopback=policy.allow_loopback)
        if why is not None:
            where = "" if target.address is not None else f"{target.host} resolves to "
            raise Refused(Reason.ADDRESS, f"{where}{why}.")
    return list(dict.fromkeys(addresses))


def _request(
    target: Target, addresses: list[IPAddress], method: str, context: _Context, hops: list[Hop]
) -> ResponseHead:
    """Try the addresses in order until one connects; each attempt becomes a hop."""
    for index, address in enumerate(addresses):
        started = time.monotonic()
        try:
            head = request_once(
                target,
                address,
                method,
                policy=context.policy,
                deadline=context.deadline,
                ssl_context=context.ssl_context,
            )
        except TransportError as failure:
            hops.append(Hop(method, target.url, str(address), None, time.monotonic() - started))
            if failure.before_sending and index + 1 < len(addresses):
                continue
            raise
        hops.append(Hop(method, target.url, str(address), head.status, time.monotonic() - started))
        return head
    raise AssertionError("unreachable: addresses is never empty")
