"""What leaves the instance about an item: referral packages and partner forwards.

Metadata, the assessment, the hosting trace and hashes. Never media, never the
reporter's identity or contact details, never free-text descriptions (they may
identify the reporter); the receiving analyst looks at the content at its source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from hotline.cases.models import Assessment, Item
from hotline.core.registry import Registry

if TYPE_CHECKING:
    from hotline.routing.models import Referral


def _assessment(assessment: Assessment | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    return {
        "legality": assessment.legality,
        "scheme": assessment.scheme,
        "severity": assessment.severity,
        "age_group": assessment.age_group,
        "gender": assessment.gender,
        "virtual": assessment.virtual,
        "self_generated": assessment.self_generated,
        "commercial": assessment.commercial,
        "payment_method": assessment.payment_method,
        "site_type": assessment.site_type,
        "content_type": assessment.content_type,
        "assessed_at": assessment.created_at.isoformat(),
    }


def _trace(item: Item) -> dict[str, Any] | None:
    trace = item.hosting_trace
    if trace is None:
        return None
    return {
        "host": trace.host,
        "looked_up_at": trace.looked_up_at.isoformat(),
        "addresses": [
            {
                "ip": str(o.ip),
                "country": o.country,
                "asn": o.asn,
                "as_org": o.as_org,
                "cdn": o.cdn_name if o.is_cdn else "",
                "sources": [s for s in (o.country_source, o.asn_source) if s],
            }
            for o in trace.observations.all()
        ],
    }


def item_package(item: Item, assessment: Assessment | None) -> dict[str, Any]:
    """The facts about one item that a police unit or partner hotline receives."""
    return {
        "origin": settings.BASE_URL,
        "origin_country": settings.INSTANCE_COUNTRY,
        "item": {
            "id": item.pk,
            "kind": item.kind,
            "url": item.canonical_url or None,
            "host": item.host or None,
            "hosting_country": item.hosting_country or None,
            "hashes": {k: v for k in ("md5", "sha1", "sha256", "pdq") if (v := getattr(item, k))},
            "first_reported_at": item.first_reported_at.isoformat(),
            "report_count": item.report_count,
            "concerns": sorted(
                {ri.report.concern for ri in item.report_items.select_related("report")}
            ),
        },
        "assessment": _assessment(assessment),
        "hosting": _trace(item),
    }


# --- packages of whole reports (no item) ----------------------------------------------------

ReportPackager = Callable[["Referral"], dict[str, Any]]
"""Builds the outbox e-mail payload (subject, body, attachments) of one report referral."""

# What a referral of a whole report carries is the report's owning app's to say: it registers
# a packager for its concern on import (tourism: ``hotline.tourism.packages``).
REPORT_PACKAGERS: Registry[ReportPackager] = Registry("report packager")


def report_referral_email(referral: Referral) -> dict[str, Any]:
    """The e-mail payload of a report referral, from the packager of its report's concern."""
    assert referral.report is not None
    concern = referral.report.concern
    packager = REPORT_PACKAGERS.get(concern)
    if packager is None:
        raise LookupError(f"no report packager is registered for {concern!r} reports")
    return packager(referral)
