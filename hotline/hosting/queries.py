"""Reads over hosting traces."""

from __future__ import annotations

from hotline.hosting.models import HostingTrace
from hotline.hosting.trace import TraceFindings

__all__ = ["findings_country", "hosting_country", "latest_trace"]


def hosting_country(trace: HostingTrace) -> str | None:
    """The country of the first address that is not a CDN edge; ``None`` when that address's
    country is unknown or every address is a CDN's (the edge says nothing of the real host)."""
    for observation in trace.observations.order_by("position"):
        if not observation.is_cdn:
            return observation.country or None
    return None


def findings_country(findings: TraceFindings) -> str | None:
    """``hosting_country`` of a trace before it is stored (no query): the same rule on what
    the lookups found, in address order."""
    for finding in findings.addresses:
        if finding.cdn is None:
            return finding.info.country or None
    return None


def latest_trace(host: str) -> HostingTrace | None:
    """The most recent trace of ``host`` (canonical form), if any."""
    return HostingTrace.objects.filter(host=host).order_by("-looked_up_at", "-id").first()
