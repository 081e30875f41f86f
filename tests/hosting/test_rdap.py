"""RDAP abuse contacts, against a real HTTP server on 127.0.0.1 serving RFC 9083 JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from hotline.hosting.rdap import RdapClient, find_abuse_email
from tests.hosting.servers import RdapServer, rdap_domain, rdap_entity, rdap_ip_network


def test_abuse_contact_for_ip_network(rdap_server: RdapServer) -> None:
    rdap_server.routes["/ip/203.0.113.20"] = (
        200,
        rdap_ip_network("203.0.113.0", "203.0.113.255", "abuse@hosting.example.test"),
    )
    client = RdapClient(rdap_server.url, timeout=2)

    lookup = client.abuse_contact("ip", "203.0.113.20")

    assert (lookup.kind, lookup.query, lookup.email, lookup.name, lookup.error) == (
        "ip",
        "203.0.113.20",
        "abuse@hosting.example.test",
        "Abuse desk",
        "",
    )
    assert lookup.source == f"{rdap_server.url}ip/203.0.113.20"


def test_abuse_contact_for_ipv6(rdap_server: RdapServer) -> None:
    rdap_server.routes["/ip/2001:db8::20"] = (
        200,
        rdap_ip_network("2001:db8::", "2001:db8::ffff", "abuse-v6@hosting.example.test"),
    )
    client = RdapClient(rdap_server.url, timeout=2)

    assert client.abuse_contact("ip", "2001:db8::20").email == "abuse-v6@hosting.example.test"


def test_abuse_contact_for_domain_registrar(rdap_server: RdapServer) -> None:
    rdap_server.routes["/domain/example.test"] = (
        200,
        rdap_domain("example.test", "mailto:abuse@registrar.example.test"),
    )
    client = RdapClient(rdap_server.url, timeout=2)

    lookup = client.abuse_contact("domain", "example.test")

    assert (lookup.email, lookup.name) == ("abuse@registrar.example.test", "Registrar abuse")


def test_abuse_contact_cached(rdap_server: RdapServer) -> None:
    rdap_server.routes["/ip/203.0.113.20"] = (
        200,
        rdap_ip_network("203.0.113.0", "203.0.113.255", "abuse@hosting.example.test"),
    )
    client = RdapClient(rdap_server.url, timeout=2)

    first = client.abuse_contact("ip", "203.0.113.20")
    second = client.abuse_contact("ip", "203.0.113.20")

    assert rdap_server.hits["/ip/203.0.113.20"] == 1
    assert (first.from_cache, second.from_cache) == (False, True)
    assert (second.email, second.fetched_at) == (first.email, first.fetched_at)


def test_abuse_contact_not_found(rdap_server: RdapServer) -> None:
    client = RdapClient(rdap_server.url, timeout=2)

    lookup = client.abuse_contact("ip", "192.0.2.99")

    assert (lookup.email, lookup.error) == ("", "no RDAP record for 192.0.2.99")


def test_abuse_contact_server_error(rdap_server: RdapServer) -> None:
    rdap_server.routes["/ip/192.0.2.98"] = (503, {"errorCode": 503})
    client = RdapClient(rdap_server.url, timeout=2)

    assert client.abuse_contact("ip", "192.0.2.98").error == "the RDAP server answered HTTP 503"


def test_abuse_contact_timeout(rdap_server: RdapServer) -> None:
    rdap_server.slow.add("/ip/192.0.2.97")
    client = RdapClient(rdap_server.url, timeout=0.2)

    lookup = client.abuse_contact("ip", "192.0.2.97")

    assert (lookup.email, lookup.error) == ("", "no RDAP answer within 0.2 s")


def test_abuse_contact_not_json(rdap_server: RdapServer) -> None:
    rdap_server.routes["/ip/192.0.2.96"] = (200, b"<html>not rdap</html>")
    client = RdapClient(rdap_server.url, timeout=2)

    assert client.abuse_contact("ip", "192.0.2.96").error == "the RDAP answer is not JSON"


def test_abuse_contact_record_without_abuse_entity(rdap_server: RdapServer) -> None:
    record = rdap_ip_network("192.0.2.0", "192.0.2.255", "")
    rdap_server.routes["/ip/192.0.2.95"] = (200, record)
    client = RdapClient(rdap_server.url, timeout=2)

    assert client.abuse_contact("ip", "192.0.2.95").error == (
        "the RDAP record names no abuse contact with an e-mail address"
    )


def test_abuse_contact_unreachable_server() -> None:
    client = RdapClient("http://127.0.0.1:9/", timeout=1)  # discard port: nothing listens

    lookup = client.abuse_contact("ip", "192.0.2.94")

    assert lookup.error.startswith("the RDAP server could not be reached (")


def test_find_abuse_email_prefers_nearest_abuse_entity() -> None:
    document: dict[str, Any] = {
        "objectClassName": "ip network",
        "entities": [
            rdap_entity(
                "ORG",
                ["registrant"],
                "Org",
                entities=[rdap_entity("DEEP", ["abuse"], "Deep", "deep@example.test")],
            ),
            rdap_entity("TOP", ["abuse", "technical"], "Top", "top@example.test"),
        ],
    }

    assert find_abuse_email(document) == ("top@example.test", "Top")


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"entities": "nope"},
        {"entities": [{"roles": ["abuse"], "vcardArray": ["vcard"]}]},
        {"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", 7]]]}]},
    ],
)
def test_find_abuse_email_malformed_documents(document: Any) -> None:
    assert find_abuse_email(document) is None


def test_rdap_client_rejects_non_http_base() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        RdapClient("file:///etc/")

    assert str(caught.value) == (
        "HOSTING_RDAP_URL: expected an http(s) URL such as https://rdap.org/, got 'file:///etc/'"
    )


def test_rdap_client_from_settings(settings: Any) -> None:
    settings.HOSTING_RDAP_URL = "http://127.0.0.1:8/rdap"
    settings.HOSTING_RDAP_TIMEOUT = 3
    settings.HOSTING_RDAP_CACHE_SECONDS = 60

    client = RdapClient.from_settings()

    assert client is not None
    assert (client.base_url, client.timeout, client.cache_seconds) == (
        "http://127.0.0.1:8/rdap/",
        3.0,
        60,
    )
    assert (
        client.query_url("domain", "example.test") == "http://127.0.0.1:8/rdap/domain/example.test"
    )


def test_rdap_client_off_when_url_empty(settings: Any) -> None:
    settings.HOSTING_RDAP_URL = ""

    assert RdapClient.from_settings() is None
