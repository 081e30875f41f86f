"""The bundled data (Public Suffix List, GeoLite2 snapshot, CDN list) loads with no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from hotline.hosting import cdn, domains, ipinfo
from hotline.hosting.domains import registrable_domain
from hotline.hosting.ipinfo import EmbeddedIpInfo


def _no_network(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("network access attempted")


@pytest.fixture
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    for loader in (domains._list, ipinfo._embedded_database, cdn.cdn_list):
        loader.cache_clear()
    yield
    for loader in (domains._list, ipinfo._embedded_database, cdn.cdn_list):
        loader.cache_clear()


@pytest.mark.usefixtures("_offline")
def test_bundled_data_loads_offline() -> None:
    domain = registrable_domain("a.example.co.uk")
    country = EmbeddedIpInfo().lookup("192.175.48.1").country
    networks = len(cdn.cdn_list().networks)

    assert (domain, country, networks) == ("example.co.uk", "US", 12)
