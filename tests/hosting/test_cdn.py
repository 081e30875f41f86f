from __future__ import annotations

from datetime import date

import pytest

from hotline.hosting.cdn import cdn_list, find_cdn


@pytest.mark.parametrize(
    ("asn", "name", "kind"),
    [
        (13335, "Cloudflare", "cdn"),
        (20940, "Akamai", "cdn"),
        (16625, "Akamai", "cdn"),
        (54113, "Fastly", "cdn"),
        (16509, "Amazon (CloudFront, AWS)", "cloud/cdn"),
    ],
)
def test_find_cdn_by_asn(asn: int, name: str, kind: str) -> None:
    network = find_cdn(asn, "")

    assert network is not None
    assert (network.name, network.kind) == (name, kind)


def test_find_cdn_by_as_name_when_number_unknown() -> None:
    network = find_cdn(None, "cloudflarenet")

    assert network is not None
    assert network.name == "Cloudflare"


def test_find_cdn_number_decides_over_name() -> None:
    assert find_cdn(64500, "CLOUDFLARENET") is None


def test_find_cdn_other_network() -> None:
    assert (find_cdn(64500, "Example Hosting"), find_cdn(None, ""), find_cdn(None, "X")) == (
        None,
        None,
        None,
    )


def test_cdn_list_names_its_source_and_date() -> None:
    listing = cdn_list()

    assert listing.updated == date(2026, 11, 28)
    assert listing.source_note.endswith("(updated 2026-11-28)")
    assert len({asn for network in listing.networks for asn in network.asns}) == sum(
        len(network.asns) for network in listing.networks
    )
