"""An item package (``routing.packages.item_package``) as it left, in words.

A referral page shows the e-mail (subject, text, every attachment) or the signed forward
exactly as queued, and beside it the package's facts with human labels: the classification
in the scheme's own words, the hashes, the hosting trace with its sources, the concerns."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.cases.classification import SCHEMES
from hotline.cases.models import (
    AgeGroup,
    Concern,
    ContentType,
    Gender,
    ItemKind,
    Legality,
    SiteType,
)
from hotline.outbox.sent import SentMessage

Label = str | Promise


def package_in(message: SentMessage) -> dict[str, Any] | None:
    """The item package a message carried: a police e-mail's JSON attachment or a partner
    forward's ``package`` field; None when it carries none."""
    for attachment in message.attachments:
        if isinstance(attachment.data, dict) and "item" in attachment.data:
            return attachment.data
    if message.json_body:
        body = json.loads(message.json_body)
        package = body.get("package") if isinstance(body, dict) else None
        return package if isinstance(package, dict) else None
    return None


def _choice(choices: type[models.TextChoices], value: Any) -> Label:
    return choices(value).label if value in choices.values else str(value or "")


def _severity(scheme: str, severity: str) -> Label:
    found = SCHEMES.get(scheme)
    if found is None or not severity:
        return severity
    try:
        return found.category(severity).label
    except KeyError:
        return severity


FLAGS: dict[str, Label] = {
    "virtual": _("Virtual or AI-generated"),
    "self_generated": _("Self-generated"),
    "commercial": _("Commercial"),
}


def package_facts(package: dict[str, Any]) -> dict[str, Any]:
    """The facts of an item package with human labels, for the referral page."""
    item = package.get("item") or {}
    assessment = package.get("assessment") or None
    hosting = package.get("hosting") or None
    classification = None
    if assessment:
        classification = {
            "legality": _choice(Legality, assessment.get("legality")),
            "severity": _severity(
                str(assessment.get("scheme") or ""), str(assessment.get("severity") or "")
            ),
            "scheme": SCHEMES[assessment["scheme"]].label
            if assessment.get("scheme") in SCHEMES
            else "",
            "age_group": _choice(AgeGroup, assessment.get("age_group")),
            "gender": _choice(Gender, assessment.get("gender")),
            "site_type": _choice(SiteType, assessment.get("site_type")),
            "content_type": _choice(ContentType, assessment.get("content_type")),
            "flags": [label for key, label in FLAGS.items() if assessment.get(key)],
            "payment_method": assessment.get("payment_method") or "",
            "assessed_at": assessment.get("assessed_at") or "",
        }
    return {
        "kind": _choice(ItemKind, item.get("kind")),
        "url": item.get("url") or "",
        "host": item.get("host") or "",
        "hosting_country": item.get("hosting_country") or "",
        "hashes": [
            (k.upper().replace("SHA", "SHA-"), v) for k, v in (item.get("hashes") or {}).items()
        ],
        "first_reported_at": item.get("first_reported_at") or "",
        "report_count": item.get("report_count"),
        "concerns": [_choice(Concern, c) for c in item.get("concerns") or []],
        "classification": classification,
        "hosting": hosting,
    }
