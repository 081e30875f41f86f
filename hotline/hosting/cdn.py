"""Is an address a CDN edge? From the small list in ``data/cdn_networks.json``.

An address that belongs to a CDN or reverse proxy says where the edge is, not where the content
is hosted, so the hosting country skips it. Networks match by AS number, or by AS name when the
IP data has no number (the embedded GeoLite2 data names organisations only).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

__all__ = ["CdnList", "CdnNetwork", "cdn_list", "find_cdn"]


@dataclass(frozen=True)
class CdnNetwork:
    """One operator: its AS numbers and names; ``kind`` is ``cdn`` or ``cloud/cdn``."""

    name: str
    kind: str
    asns: frozenset[int]
    as_names: frozenset[str]  # upper case


@dataclass(frozen=True)
class CdnList:
    """The list and where it comes from."""

    source: str
    updated: date
    networks: tuple[CdnNetwork, ...]

    @property
    def source_note(self) -> str:
        """The source with its date, as stored beside each flag."""
        return f"{self.source} (updated {self.updated.isoformat()})"


@functools.cache
def cdn_list() -> CdnList:
    """The bundled list, read once per process."""
    text = resources.files("hotline.hosting").joinpath("data/cdn_networks.json").read_text("utf-8")
    data = json.loads(text)
    return CdnList(
        source=data["source"],
        updated=date.fromisoformat(data["updated"]),
        networks=tuple(
            CdnNetwork(
                name=entry["name"],
                kind=entry["kind"],
                asns=frozenset(entry["asns"]),
                as_names=frozenset(name.upper() for name in entry["as_names"]),
            )
            for entry in data["networks"]
        ),
    )


def find_cdn(asn: int | None, as_org: str) -> CdnNetwork | None:
    """The CDN network an address belongs to, by AS number first, else by exact AS name."""
    networks = cdn_list().networks
    if asn is not None:
        for network in networks:
            if asn in network.asns:
                return network
        return None
    name = as_org.strip().upper()
    if not name:
        return None
    for network in networks:
        if name in network.as_names:
            return network
    return None
