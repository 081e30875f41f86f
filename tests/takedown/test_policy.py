"""The default policy from Django settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from hotline.takedown.liveness.policy import (
    DEFAULT_ALLOWED_PORTS,
    FetchPolicy,
    parse_proxy,
    policy_from_settings,
    system_resolver,
    tcp_connector,
)


def test_policy_from_settings_defaults_when_nothing_is_set() -> None:
    policy = policy_from_settings()

    assert policy == FetchPolicy()
    assert (policy.allow_loopback, policy.allowed_ports, policy.proxy) == (
        False,
        DEFAULT_ALLOWED_PORTS,
        None,
    )
    assert (policy.resolver, policy.connector) == (system_resolver, tcp_connector)


def test_policy_from_settings_reads_every_setting(settings: Any) -> None:
    settings.LIVENESS_ALLOW_LOOPBACK = True
    settings.LIVENESS_PORTS = ["443", " 8443 "]
    settings.LIVENESS_PROXY = "http://127.0.0.1:3128"
    settings.LIVENESS_CONNECT_TIMEOUT = 2
    settings.LIVENESS_READ_TIMEOUT = "4"
    settings.LIVENESS_DEADLINE = 12
    settings.LIVENESS_USER_AGENT = "checker/2"
    settings.LIVENESS_CA_FILE = "/etc/hotline/ca.pem"

    policy = policy_from_settings()

    assert policy == FetchPolicy(
        allow_loopback=True,
        allowed_ports=frozenset({443, 8443}),
        proxy="http://127.0.0.1:3128",
        connect_timeout=2.0,
        read_timeout=4.0,
        deadline=12.0,
        user_agent="checker/2",
        ca_file="/etc/hotline/ca.pem",
    )


def test_policy_from_settings_refuses_loopback_in_production(settings: Any) -> None:
    settings.LIVENESS_ALLOW_LOOPBACK = True
    settings.PRODUCTION = True

    with pytest.raises(ImproperlyConfigured, match=r"^LIVENESS_ALLOW_LOOPBACK: "):
        policy_from_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LIVENESS_PORTS", ["http"], "^LIVENESS_PORTS: "),
        ("LIVENESS_PORTS", ["70000"], "^LIVENESS_PORTS: "),
        ("LIVENESS_DEADLINE", "soon", "^LIVENESS_DEADLINE: "),
        ("LIVENESS_READ_TIMEOUT", 0, "^LIVENESS_READ_TIMEOUT: "),
        ("LIVENESS_PROXY", "socks5://127.0.0.1:1080", "^LIVENESS_\\* settings: "),
    ],
)
def test_policy_from_settings_refuses_unusable_value(
    settings: Any, name: str, value: Any, message: str
) -> None:
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        policy_from_settings()


@pytest.mark.parametrize(
    "options",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1},
        {"deadline": 0},
        {"max_redirects": -1},
        {"max_body_bytes": -1},
        {"allowed_ports": frozenset({0})},
        {"user_agent": "checker\r\nX-Injected: 1"},
    ],
)
def test_fetch_policy_refuses_unusable_option(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r": expected |: control characters"):
        FetchPolicy(**options)


def test_parse_proxy_reads_credentials_and_default_port() -> None:
    proxy = parse_proxy("http://user:pa%40ss@proxy.example.test")

    assert (proxy.host, proxy.port, proxy.authorization) == (
        "proxy.example.test",
        3128,
        "Basic dXNlcjpwYUBzcw==",
    )
