"""The SSRF proof: check_url refuses every internal target, in every spelling, by every route
(the URL itself, a DNS answer, a redirect), and never opens a connection to one.

Each test records the resolver's questions and the connector's connections: a refused target
is never resolved when its URL alone decides, and never connected to.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from hotline.takedown.liveness import FetchPolicy, Liveness, Reason, check_url
from tests.takedown.conftest import loopback_policy
from tests.takedown.servers import Origin, RecordingConnector, RecordingResolver

INTERNAL_LITERALS = [
    # IPv4 loopback and its other spellings (decimal, octal, hex, short, full-width digits)
    "http://127.0.0.1/",
    "http://127.0.0.2/",
    "http://127.255.255.254/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0177.0000.0000.0001/",
    "http://017700000001/",
    "http://0x7f.0.0.1/",
    "http://0x7f000001/",
    "http://0X7F.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://127.0.0.1./",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",
    "http://127\u30020\u30020\u30021/",
    "https://127.0.0.1/",
    # 0.0.0.0 and "this network"
    "http://0.0.0.0/",
    "http://0/",
    "http://0x0/",
    "http://0.1.2.3/",
    # private (RFC 1918), shared (RFC 6598), link-local and cloud metadata
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.0.1/",
    "http://192.168.1.1:8080/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://100.100.100.200/",
    "http://169.254.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/",
    "http://169.254.170.2/v2/credentials",
    # IETF assignments, documentation, benchmarking, multicast, reserved, broadcast
    "http://192.0.0.8/",
    "http://192.0.0.170/",
    "http://192.0.2.1/",
    "http://198.51.100.1/",
    "http://203.0.113.1/",
    "http://198.18.0.1/",
    "http://198.19.255.255/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    # IPv6 literals
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:8.8.8.8]/",  # IPv4-mapped is refused outright
    "http://[::127.0.0.1]/",
    "http://[::7f00:1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b:1::a00:1]/",
    "http://[2002:7f00:1::1]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[2001:2::1]/",
    "http://[2001:db8::1]/",
    "http://[3fff::1]/",
    "http://[100::1]/",
    "http://[fc00::1]/",
    "http://[fd00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[febf::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://[5f00::1]/",
    "http://[4000::1]/",
]


@pytest.mark.parametrize("url", INTERNAL_LITERALS)
def test_check_url_refuses_internal_ip_literal(
    url: str, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = FetchPolicy(resolver=resolver, connector=connector)

    result = check_url(url, policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, Reason.ADDRESS)
    assert (resolver.calls, connector.calls, result.hops) == ([], [], ())
    assert (result.status_code, result.final_url) == (None, url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[64:ff9b::7f00:1]:{port}/",
        "http://0.0.0.0:{port}/",
    ],
)
def test_check_url_allow_loopback_allows_only_127_0_0_1(
    url: str, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = loopback_policy(8080, resolver=resolver, connector=connector)

    result = check_url(url.format(port=8080), policy=policy)

    assert (result.liveness, result.reason, connector.calls) == (
        Liveness.BLOCKED,
        Reason.ADDRESS,
        [],
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://LOCALHOST/",
        "http://localhost./",
        "http://app.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/computeMetadata/v1/",
        "http://instance-data/latest/",
        "http://db.internal/",
        "http://printer.local/",
        "http://intranet/",
        "http://router.home.arpa/",
        "http://1.0.0.127.in-addr.arpa/",
        "http://nas.lan/",
        "http://server.corp/",
        "http://box.localdomain/",
    ],
)
def test_check_url_refuses_internal_host_names_without_resolving(
    url: str, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = loopback_policy(80, resolver=resolver, connector=connector)

    result = check_url(url, policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, Reason.HOST_NAME)
    assert (resolver.calls, connector.calls) == ([], [])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://site.example.test/", Reason.SCHEME),
        ("file:///etc/passwd", Reason.SCHEME),
        ("gopher://site.example.test:70/_", Reason.SCHEME),
        ("dict://site.example.test:11211/", Reason.SCHEME),
        ("javascript:alert(1)", Reason.SCHEME),
        ("site.example.test/page", Reason.SCHEME),
        ("http://user:secret@site.example.test/", Reason.USERINFO),
        ("http://user@site.example.test/", Reason.USERINFO),
        ("http://site.example.test@127.0.0.1/", Reason.USERINFO),
        ("http://site.example.test\\@127.0.0.1/", Reason.USERINFO),
        ("http://site.example.test:22/", Reason.PORT),
        ("http://site.example.test:6379/", Reason.PORT),
        ("https://site.example.test:80443/", Reason.INVALID_URL),
        ("http://site.example.test:0/", Reason.PORT),
        ("http://site.example.test:99999/", Reason.INVALID_URL),
        ("http://1.2.3.999/", Reason.INVALID_URL),
        ("http://1.2.3.4.5/", Reason.INVALID_URL),
        ("http://0x1g.0.0.1/", Reason.INVALID_URL),
        ("http://08.0.0.1/", Reason.INVALID_URL),
        ("http://[::1/", Reason.INVALID_URL),
        ("http://site%2eexample.test/", Reason.INVALID_URL),
        ("http://site.example.test/\r\nX-Injected: 1", Reason.INVALID_URL),
        ("http:///path-only", Reason.INVALID_URL),
    ],
)
def test_check_url_refuses_url_forms(
    url: str, reason: Reason, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    policy = FetchPolicy(resolver=resolver, connector=connector)

    result = check_url(url, policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, reason)
    assert (resolver.calls, connector.calls) == ([], [])


@pytest.mark.parametrize(
    "answers",
    [
        ["10.0.0.1"],
        ["169.254.169.254"],
        ["192.168.1.10"],
        ["100.64.0.1"],
        ["0.0.0.0"],  # noqa: S104 - a DNS answer under test, nothing binds to it
        ["127.0.0.2"],
        ["::1"],
        ["fd00:ec2::254"],
        ["fe80::1%eth0"],
        ["::ffff:10.0.0.1"],
        ["64:ff9b::a9fe:a9fe"],
        ["127.0.0.1", "10.0.0.1"],  # one allowed address does not excuse an internal one
        ["10.0.0.1", "127.0.0.1"],
        ["127.0.0.1", "::1"],
        ["not-an-address"],
    ],
)
def test_check_url_refuses_when_any_dns_answer_is_internal(
    answers: list[str], connector: RecordingConnector
) -> None:
    resolver = RecordingResolver({"evil.example.test": answers})
    policy = loopback_policy(80, resolver=resolver, connector=connector)  # 127.0.0.1 allowed

    result = check_url("http://evil.example.test/", policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, Reason.ADDRESS)
    assert (resolver.calls, connector.calls, result.hops) == (["evil.example.test"], [], ())


# Redirect targets, with the reason and whether the resolver is asked (only for names that
# pass the name checks). The first hop is the loopback server, allowed by allow_loopback.
REDIRECT_TARGETS = [
    ("http://10.0.0.1/", Reason.ADDRESS, []),
    ("https://10.0.0.1/", Reason.ADDRESS, []),
    ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", Reason.ADDRESS, []),
    ("//169.254.169.254/latest/meta-data/", Reason.ADDRESS, []),
    ("http://2852039166/", Reason.ADDRESS, []),
    ("http://192.168.0.1/", Reason.ADDRESS, []),
    ("http://[::1]:{port}/ok", Reason.ADDRESS, []),
    ("http://[::ffff:127.0.0.1]:{port}/ok", Reason.ADDRESS, []),
    ("http://[fd00:ec2::254]/", Reason.ADDRESS, []),
    ("http://127.0.0.2:{port}/ok", Reason.ADDRESS, []),
    ("http://0.0.0.0:{port}/ok", Reason.ADDRESS, []),
    ("http://evil.example.test/", Reason.ADDRESS, ["evil.example.test"]),
    ("http://localhost:{port}/ok", Reason.HOST_NAME, []),
    ("http://metadata.google.internal/computeMetadata/v1/", Reason.HOST_NAME, []),
    ("ftp://127.0.0.1/", Reason.SCHEME, []),
    ("file:///etc/passwd", Reason.SCHEME, []),
    ("gopher://127.0.0.1:{port}/_", Reason.SCHEME, []),
    ("http://user:secret@127.0.0.1:{port}/ok", Reason.USERINFO, []),
    ("http://127.0.0.1:22/", Reason.PORT, []),
    ("http://127.0.0.1:6379/", Reason.PORT, []),
]


@pytest.mark.parametrize(("location", "reason", "resolved"), REDIRECT_TARGETS)
def test_check_url_refuses_redirect_to_internal_target(
    origin: Origin,
    connector: RecordingConnector,
    location: str,
    reason: Reason,
    resolved: list[str],
) -> None:
    resolver = RecordingResolver({"evil.example.test": ["10.0.0.1"]})
    policy = loopback_policy(origin.port, 80, 443, resolver=resolver, connector=connector)
    target = location.format(port=origin.port)
    first = f"{origin.url}/to?location={quote(target, safe='')}"
    absolute = f"http:{target}" if target.startswith("//") else target

    result = check_url(first, policy=policy)

    assert (result.liveness, result.reason, result.status_code) == (Liveness.BLOCKED, reason, None)
    assert (result.final_url, result.redirect_chain) == (absolute, (first, absolute))
    assert [(hop.method, hop.status_code) for hop in result.hops] == [("HEAD", 302)]
    assert connector.calls == [("127.0.0.1", origin.port)]
    assert origin.seen() == [("HEAD", f"/to?location={quote(target, safe='')}")]
    assert resolver.calls == resolved


def test_check_url_refuses_internal_target_late_in_a_redirect_chain(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    second = f"/to?location={quote('http://169.254.169.254/', safe='')}"
    first = f"{origin.url}/to?location={quote(second, safe='')}"
    policy = loopback_policy(origin.port, 80, resolver=resolver, connector=connector)

    result = check_url(first, policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, Reason.ADDRESS)
    assert result.redirect_chain == (first, f"{origin.url}{second}", "http://169.254.169.254/")
    assert connector.calls == [("127.0.0.1", origin.port)] * 2


def test_fetch_policy_default_refuses_loopback() -> None:
    assert (FetchPolicy().allow_loopback, FetchPolicy().allowed_ports) == (
        False,
        frozenset({80, 443, 8080, 8443}),
    )
