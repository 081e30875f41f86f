"""check_url against a real HTTP server on 127.0.0.1: verdicts, redirects, limits, no bodies."""

from __future__ import annotations

import dataclasses
import socket
from typing import Any
from urllib.parse import quote

import pytest

from hotline.takedown.liveness import Hop, Liveness, LivenessResult, Reason, check_url
from tests.takedown.conftest import loopback_policy
from tests.takedown.servers import (
    BODY_MARKER,
    ENDLESS_LENGTH,
    PAGE,
    Origin,
    RecordingConnector,
    RecordingResolver,
)


def _hops(result: LivenessResult) -> list[tuple[str, str, str, int | None]]:
    return [(hop.method, hop.url, hop.address, hop.status_code) for hop in result.hops]


def test_check_url_live_when_server_answers_200(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    url = f"{origin.url}/ok"

    result = check_url(
        url, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert (result.liveness, result.reason, result.status_code) == (
        Liveness.LIVE,
        Reason.HTTP_STATUS,
        200,
    )
    assert result.detail == "The server answered 200."
    assert (result.url, result.final_url, result.redirect_chain) == (url, url, (url,))
    assert (result.content_type, result.content_length) == ("text/html; charset=utf-8", len(PAGE))
    assert _hops(result) == [("HEAD", url, "127.0.0.1", 200)]
    assert result.method == "HEAD"
    assert origin.seen() == [("HEAD", "/ok")]
    assert connector.calls == [("127.0.0.1", origin.port)]
    assert resolver.calls == []


def test_check_url_sends_host_and_no_body(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    check_url(
        f"{origin.url}/ok",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    headers = origin.requests[0].headers
    assert {key: headers[key] for key in ("Host", "Accept-Encoding", "Connection")} == {
        "Host": f"127.0.0.1:{origin.port}",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    assert "Content-Length" not in headers


@pytest.mark.parametrize(
    ("status", "liveness"),
    [
        (404, Liveness.GONE),
        (410, Liveness.GONE),
        (451, Liveness.GONE),
        (401, Liveness.DENIED),
        (403, Liveness.DENIED),
        (429, Liveness.ERROR),
        (418, Liveness.ERROR),
        (500, Liveness.ERROR),
        (503, Liveness.ERROR),
    ],
)
def test_check_url_classifies_final_status_after_get_fallback(
    origin: Origin,
    resolver: RecordingResolver,
    connector: RecordingConnector,
    status: int,
    liveness: Liveness,
) -> None:
    url = f"{origin.url}/status/{status}"

    result = check_url(
        url, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert (result.liveness, result.reason, result.status_code) == (
        liveness,
        Reason.HTTP_STATUS,
        status,
    )
    assert _hops(result) == [("HEAD", url, "127.0.0.1", status), ("GET", url, "127.0.0.1", status)]
    assert result.method == "GET"


def test_check_url_falls_back_to_get_when_head_is_refused(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    url = f"{origin.url}/no-head"

    result = check_url(
        url, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert (result.liveness, result.status_code) == (Liveness.LIVE, 200)
    assert origin.seen() == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_check_url_follows_redirect_chain(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        f"{origin.url}/redirect/3",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.status_code) == (Liveness.LIVE, 200)
    assert result.redirect_chain == tuple(f"{origin.url}/redirect/{n}" for n in (3, 2, 1, 0))
    assert result.final_url == f"{origin.url}/redirect/0"
    assert [hop.status_code for hop in result.hops] == [302, 302, 302, 200]


def test_check_url_follows_exactly_max_redirects(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        f"{origin.url}/redirect/5",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, len(result.redirect_chain)) == (Liveness.LIVE, 6)


def test_check_url_error_when_too_many_redirects(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        f"{origin.url}/redirect/6",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason, result.status_code) == (
        Liveness.ERROR,
        Reason.TOO_MANY_REDIRECTS,
        302,
    )
    assert [hop.method for hop in result.hops] == ["HEAD"] * 6  # no GET fallback
    assert result.final_url == f"{origin.url}/redirect/1"


@pytest.mark.parametrize(
    ("location", "final_path"),
    [
        ("ok", "/ok"),
        ("../ok", "/ok"),
        ("/ok?x=1", "/ok?x=1"),
        ("//127.0.0.1:{port}/ok", "/ok"),
        ("http://127.0.0.1:{port}/ok", "/ok"),
    ],
)
def test_check_url_follows_relative_redirects(
    origin: Origin,
    resolver: RecordingResolver,
    connector: RecordingConnector,
    location: str,
    final_path: str,
) -> None:
    first = f"{origin.url}/to?location={quote(location.format(port=origin.port), safe='')}"

    result = check_url(
        first, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert (result.liveness, result.final_url) == (Liveness.LIVE, f"{origin.url}{final_path}")
    assert result.redirect_chain == (first, f"{origin.url}{final_path}")


@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_check_url_follows_every_redirect_status(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector, status: int
) -> None:
    first = f"{origin.url}/to?status={status}&location=/ok"

    result = check_url(
        first, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert [hop.status_code for hop in result.hops] == [status, 200]


def test_check_url_error_when_redirect_has_no_location(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        f"{origin.url}/no-location",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason, result.status_code) == (
        Liveness.ERROR,
        Reason.HTTP_STATUS,
        302,
    )


def test_check_url_connects_to_the_checked_address_with_the_host_name(
    origin: Origin, connector: RecordingConnector
) -> None:
    resolver = RecordingResolver({"site.example.test": ["127.0.0.1"]})
    url = f"http://site.example.test:{origin.port}/ok"

    result = check_url(
        url, policy=loopback_policy(origin.port, resolver=resolver, connector=connector)
    )

    assert result.liveness == Liveness.LIVE
    assert resolver.calls == ["site.example.test"]
    assert connector.calls == [("127.0.0.1", origin.port)]
    assert origin.requests[0].headers["Host"] == f"site.example.test:{origin.port}"


def test_check_url_resolves_once_per_hop_against_dns_rebinding(
    origin: Origin, connector: RecordingConnector
) -> None:
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str) -> list[str]:
        calls.append(host)
        return next(answers)

    url = f"http://rebind.example.test:{origin.port}/ok"

    result = check_url(
        url, policy=loopback_policy(origin.port, resolver=rebinding, connector=connector)
    )

    assert (result.liveness, calls) == (Liveness.LIVE, ["rebind.example.test"])
    assert connector.calls == [("127.0.0.1", origin.port)]


def test_check_url_timeout_when_server_is_slow(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = loopback_policy(origin.port, resolver=resolver, connector=connector, read_timeout=0.3)

    result = check_url(f"{origin.url}/slow", policy=policy)

    assert (result.liveness, result.reason, result.status_code) == (
        Liveness.ERROR,
        Reason.TIMEOUT,
        None,
    )
    assert _hops(result) == [("HEAD", f"{origin.url}/slow", "127.0.0.1", None)]
    assert result.elapsed < 2


def test_check_url_deadline_stops_a_dribbling_server(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = loopback_policy(
        origin.port, resolver=resolver, connector=connector, read_timeout=2.0, deadline=0.5
    )

    result = check_url(f"{origin.url}/dribble", policy=policy)

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.DEADLINE)
    assert 0.5 <= result.elapsed < 1.5


def test_check_url_connection_refused(
    resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # closed again before the check: nobody listens

    result = check_url(
        f"http://127.0.0.1:{port}/",
        policy=loopback_policy(port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.CONNECTION_REFUSED)
    assert connector.calls == [("127.0.0.1", port)]


def test_check_url_dns_failure_when_name_does_not_resolve(
    resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        "http://nowhere.example.test/",
        policy=loopback_policy(80, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.DNS_FAILURE)
    assert (resolver.calls, connector.calls, result.hops) == (["nowhere.example.test"], [], ())


def test_check_url_dns_failure_when_resolver_has_no_answer(connector: RecordingConnector) -> None:
    resolver = RecordingResolver({"empty.example.test": []})

    result = check_url(
        "http://empty.example.test/",
        policy=loopback_policy(80, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason, connector.calls) == (
        Liveness.ERROR,
        Reason.DNS_FAILURE,
        [],
    )


def test_check_url_protocol_error_when_answer_is_not_http(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    result = check_url(
        f"{origin.url}/garbage",
        policy=loopback_policy(origin.port, resolver=resolver, connector=connector),
    )

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.PROTOCOL_ERROR)
    assert [hop.method for hop in result.hops] == ["HEAD", "GET"]


def test_check_url_get_fallback_reads_a_few_kilobytes_of_an_endless_body(
    origin: Origin, resolver: RecordingResolver
) -> None:
    connector = RecordingConnector()
    policy = loopback_policy(
        origin.port, resolver=resolver, connector=connector, max_body_bytes=4096
    )

    result = check_url(f"{origin.url}/endless", policy=policy)

    assert (result.liveness, result.status_code, result.content_length) == (
        Liveness.LIVE,
        200,
        ENDLESS_LENGTH,
    )
    get_socket = connector.sockets[1]
    # Status line and headers, 4096 body bytes, at most one more read-ahead buffer (8 KiB).
    assert get_socket.received <= 200 + 4096 + 8192
    assert result.elapsed < 2
    origin.stop.set()
    assert origin.streamed_bytes < ENDLESS_LENGTH


def _values(value: Any) -> list[Any]:
    """Every value inside a result, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [value] + [
            inner for f in dataclasses.fields(value) for inner in _values(getattr(value, f.name))
        ]
    if isinstance(value, tuple | list):
        return [value] + [inner for item in value for inner in _values(item)]
    return [value]


def test_check_url_result_holds_no_body(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = loopback_policy(origin.port, resolver=resolver, connector=connector)

    results = [
        check_url(f"{origin.url}/{path}", policy=policy) for path in ("ok", "no-head", "endless")
    ]

    values = [value for result in results for value in _values(result)]
    assert [v for v in values if isinstance(v, bytes | bytearray | memoryview)] == []
    assert [r for r in results if BODY_MARKER.decode() in repr(r) or PAGE.decode() in repr(r)] == []
    assert [f.name for f in dataclasses.fields(LivenessResult)] == [
        "url",
        "liveness",
        "reason",
        "detail",
        "status_code",
        "final_url",
        "redirect_chain",
        "hops",
        "content_type",
        "content_length",
        "checked_at",
        "elapsed",
    ]
    assert [f.name for f in dataclasses.fields(Hop)] == [
        "method",
        "url",
        "address",
        "status_code",
        "elapsed",
    ]


def test_check_url_uses_policy_from_settings_by_default(origin: Origin, settings: Any) -> None:
    settings.LIVENESS_PORTS = [str(origin.port)]

    refused = check_url(f"{origin.url}/ok")
    settings.LIVENESS_ALLOW_LOOPBACK = True
    allowed = check_url(f"{origin.url}/ok")

    assert (refused.liveness, refused.reason) == (Liveness.BLOCKED, Reason.ADDRESS)
    assert (allowed.liveness, allowed.status_code) == (Liveness.LIVE, 200)
    assert origin.seen() == [("HEAD", "/ok")]
