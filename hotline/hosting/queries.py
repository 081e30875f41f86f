"""Reads over hosting traces."""

from __future__ import annotations

from hotline.hosting.models import HostingTrace

__all__ = ["hosting_country", "latest_trace"]


def hosting_country(trace: HostingTrace) -> str | None:
    """The country of the first address that is not a CDN edge; ``None`` when that address's
    country is unknown or every address is a CDN's (the edge says nothing of the real host)."""
    for observation in trace.observations.order_by("position"):
        if not observation.is_cdn:
            return observation.country or None
    return None


def latest_trace(host: str) -> HostingTrace | None:
    """The most recent trace of ``host`` (canonical form), if any."""
    return HostingTrace.objects.filter(host=host).order_by("-looked_up_at", "-id").first()
