"""HTTPS: the connection is pinned to the checked address while SNI, certificate verification
and ``Host`` use the host name."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from hotline.takedown.liveness import Liveness, Reason, check_url
from tests.takedown.conftest import loopback_policy
from tests.takedown.servers import (
    Origin,
    RecordingConnector,
    RecordingResolver,
    TestPki,
    running_origin,
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_origin(pki: TestPki) -> Iterator[Origin]:
    with running_origin(pki) as server:
        yield server


def _resolver() -> RecordingResolver:
    return RecordingResolver(
        {"site.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]}
    )


def test_check_url_https_verifies_certificate_for_host_name(
    tls_origin: Origin, pki: TestPki, connector: RecordingConnector
) -> None:
    resolver = _resolver()
    url = f"https://site.example.test:{tls_origin.port}/ok"
    policy = loopback_policy(
        tls_origin.port, resolver=resolver, connector=connector, ca_file=str(pki.ca_file)
    )

    result = check_url(url, policy=policy)

    assert (result.liveness, result.status_code, result.final_url) == (Liveness.LIVE, 200, url)
    assert tls_origin.server_names == ["site.example.test"]
    assert tls_origin.requests[0].headers["Host"] == f"site.example.test:{tls_origin.port}"
    assert connector.calls == [("127.0.0.1", tls_origin.port)]


def test_check_url_https_error_when_certificate_is_for_another_name(
    tls_origin: Origin, pki: TestPki, connector: RecordingConnector
) -> None:
    policy = loopback_policy(
        tls_origin.port, resolver=_resolver(), connector=connector, ca_file=str(pki.ca_file)
    )

    result = check_url(f"https://other.example.test:{tls_origin.port}/ok", policy=policy)

    assert (result.liveness, result.reason, result.status_code) == (
        Liveness.ERROR,
        Reason.TLS_ERROR,
        None,
    )
    assert tls_origin.requests == []


def test_check_url_https_error_when_certificate_authority_is_unknown(
    tls_origin: Origin, connector: RecordingConnector
) -> None:
    policy = loopback_policy(tls_origin.port, resolver=_resolver(), connector=connector)

    result = check_url(f"https://site.example.test:{tls_origin.port}/ok", policy=policy)

    assert (result.liveness, result.reason) == (Liveness.ERROR, Reason.TLS_ERROR)
    assert tls_origin.requests == []


def test_check_url_follows_redirect_from_http_to_https(
    origin: Origin, tls_origin: Origin, pki: TestPki, connector: RecordingConnector
) -> None:
    secure = f"https://site.example.test:{tls_origin.port}/ok"
    first = f"{origin.url}/to?location={quote(secure, safe='')}"
    policy = loopback_policy(
        origin.port,
        tls_origin.port,
        resolver=_resolver(),
        connector=connector,
        ca_file=str(pki.ca_file),
    )

    result = check_url(first, policy=policy)

    assert (result.liveness, result.redirect_chain) == (Liveness.LIVE, (first, secure))
    assert connector.calls == [("127.0.0.1", origin.port), ("127.0.0.1", tls_origin.port)]


def test_check_url_follows_redirect_from_https_to_http(
    origin: Origin, tls_origin: Origin, pki: TestPki, connector: RecordingConnector
) -> None:
    plain = f"{origin.url}/ok"
    first = f"https://site.example.test:{tls_origin.port}/to?location={quote(plain, safe='')}"
    policy = loopback_policy(
        origin.port,
        tls_origin.port,
        resolver=_resolver(),
        connector=connector,
        ca_file=str(pki.ca_file),
    )

    result = check_url(first, policy=policy)

    assert (result.liveness, result.final_url) == (Liveness.LIVE, plain)
