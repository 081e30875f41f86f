from __future__ import annotations

from datetime import date

import pytest

from hotline.hosting.domains import psl_data_date, registrable_domain


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.test", "example.test"),
        ("a.b.example.test", "example.test"),
        ("WWW.Example.Test.", "example.test"),
        ("shop.example.co.uk", "example.co.uk"),
        ("reports.example.invalid", "example.invalid"),
        ("someone.github.io", "someone.github.io"),  # private section: each user owns a name
        ("a.xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_registrable_domain_of_name(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    "host", ["192.0.2.1", "2001:db8::1", "[2001:db8::1]", "co.uk", "localhost", "test", "", "."]
)
def test_registrable_domain_none_without_one(host: str) -> None:
    assert registrable_domain(host) is None


def test_psl_data_date_is_bundled_list_version() -> None:
    assert psl_data_date() == date(2026, 10, 22)
