"""Through a CONNECT proxy: tunnels go to the checked address, and checks run before the proxy
is asked for anything."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from hotline.takedown.liveness import FetchPolicy, Liveness, Reason, check_url
from tests.takedown.conftest import loopback_policy
from tests.takedown.servers import (
    ConnectProxy,
    Origin,
    RecordingConnector,
    RecordingResolver,
    TestPki,
    running_origin,
    running_proxy,
)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    with running_proxy() as server:
        yield server


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_origin(pki: TestPki) -> Iterator[Origin]:
    with running_origin(pki) as server:
        yield server


def test_check_url_tunnels_http_through_proxy_to_checked_address(
    origin: Origin, proxy: ConnectProxy, connector: RecordingConnector
) -> None:
    resolver = RecordingResolver({"site.example.test": ["127.0.0.1"]})
    policy = loopback_policy(origin.port, resolver=resolver, connector=connector, proxy=proxy.url)

    result = check_url(f"http://site.example.test:{origin.port}/ok", policy=policy)

    assert (result.liveness, result.status_code) == (Liveness.LIVE, 200)
    assert proxy.tunnels == [f"127.0.0.1:{origin.port}"]
    assert connector.calls == [("127.0.0.1", proxy.port)]
    assert origin.requests[0].headers["Host"] == f"site.example.test:{origin.port}"
    assert [hop.address for hop in result.hops] == ["127.0.0.1"]


def test_check_url_tunnels_https_through_proxy_with_sni(
    tls_origin: Origin, pki: TestPki, proxy: ConnectProxy, connector: RecordingConnector
) -> None:
    resolver = RecordingResolver({"site.example.test": ["127.0.0.1"]})
    policy = loopback_policy(
        tls_origin.port,
        resolver=resolver,
        connector=connector,
        proxy=proxy.url,
        ca_file=str(pki.ca_file),
    )

    result = check_url(f"https://site.example.test:{tls_origin.port}/ok", policy=policy)

    assert (result.liveness, result.status_code) == (Liveness.LIVE, 200)
    assert proxy.tunnels == [f"127.0.0.1:{tls_origin.port}"]
    assert tls_origin.server_names == ["site.example.test"]


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example.test/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_check_url_refuses_internal_target_before_asking_proxy(
    url: str, proxy: ConnectProxy, connector: RecordingConnector
) -> None:
    resolver = RecordingResolver({"evil.example.test": ["10.0.0.1"]})
    policy = loopback_policy(80, resolver=resolver, connector=connector, proxy=proxy.url)

    result = check_url(url, policy=policy)

    assert result.liveness == Liveness.BLOCKED
    assert (proxy.tunnels, connector.calls) == ([], [])


def test_check_url_refuses_redirect_to_internal_target_through_proxy(
    origin: Origin, proxy: ConnectProxy, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    first = f"{origin.url}/to?location={quote('http://169.254.169.254/', safe='')}"
    policy = loopback_policy(
        origin.port, 80, resolver=resolver, connector=connector, proxy=proxy.url
    )

    result = check_url(first, policy=policy)

    assert (result.liveness, result.reason) == (Liveness.BLOCKED, Reason.ADDRESS)
    assert proxy.tunnels == [f"127.0.0.1:{origin.port}"]


def test_check_url_proxy_error_when_proxy_refuses_tunnel(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    with running_proxy(ConnectProxy(refuse=True)) as refusing:
        policy = loopback_policy(
            origin.port, resolver=resolver, connector=connector, proxy=refusing.url
        )

        result = check_url(f"{origin.url}/ok", policy=policy)

    assert (result.liveness, result.reason, result.detail) == (
        Liveness.ERROR,
        Reason.PROXY_ERROR,
        "The proxy refused the tunnel (403).",
    )
    assert origin.requests == []


def test_check_url_proxy_error_when_proxy_is_down(
    origin: Origin, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    policy = loopback_policy(
        origin.port, resolver=resolver, connector=connector, proxy=f"http://127.0.0.1:{port}"
    )

    result = check_url(f"{origin.url}/ok", policy=policy)

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.PROXY_ERROR)
    assert origin.requests == []


def test_check_url_sends_proxy_credentials(
    origin: Origin, proxy: ConnectProxy, resolver: RecordingResolver, connector: RecordingConnector
) -> None:
    proxy_url = f"http://checker:s%3Acret@127.0.0.1:{proxy.port}"
    policy = loopback_policy(origin.port, resolver=resolver, connector=connector, proxy=proxy_url)

    result = check_url(f"{origin.url}/ok", policy=policy)

    assert result.liveness == Liveness.LIVE
    assert proxy.headers[0]["Proxy-Authorization"] == "Basic Y2hlY2tlcjpzOmNyZXQ="
    assert "cret" not in repr(policy)
    assert "Proxy-Authorization" not in origin.requests[0].headers


@pytest.mark.parametrize(
    "proxy_url",
    [
        "https://proxy.example.test:3128",
        "socks5://proxy.example.test:1080",
        "http://proxy.example.test:3128/path",
        "http://proxy.example.test:99999",
        "proxy.example.test:3128",
    ],
)
def test_fetch_policy_refuses_unusable_proxy(proxy_url: str) -> None:
    with pytest.raises(ValueError, match=r"^proxy: expected http://host:port"):
        FetchPolicy(proxy=proxy_url)
