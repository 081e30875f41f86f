"""The instance's own hash list: hashes of material our analysts confirmed.

Routing refers files finally assessed as baseline material to the ``hashlist``
destination; routing's hash list destination (``hotline.routing.destinations``) adds every
hash of the item here, with the assessment as provenance. The list is matched like any
other (high trust) and exported for victim identification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import record
from hotline.matching.actions import store_video_frames
from hotline.matching.models import HashEntry, HashList, HashListSource, TrustLevel
from hotline.matching.queries import video_hash_of

HASH_FIELDS = ("md5", "sha1", "sha256", "pdq")

Actor = User | ApiCredential | None


def own_list_name() -> str:
    return f"{settings.INSTANCE_NAME} — confirmed assessments"


def own_hash_list() -> HashList:
    hash_list = HashList.objects.filter(source=HashListSource.OWN).order_by("pk").first()
    if hash_list is None:
        hash_list = HashList.objects.create(
            name=own_list_name(),
            source=HashListSource.OWN,
            trust_level=TrustLevel.HIGH,
            category_mapping={"baseline": "baseline", "national": "national"},
            description="Hashes of material this hotline's analysts assessed and confirmed.",
        )
    return hash_list


@transaction.atomic
def add_hashes(
    hashes: Mapping[str, str],
    *,
    pdq_quality: int | None,
    category: str,
    source_reference: str,
    first_seen: datetime | None,
    audit_obj: models.Model,
    audit_detail: Mapping[str, Any] | None = None,
    acting_user: Actor = None,
) -> int:
    """Add confirmed hashes (algorithm → hex value) to the own list, idempotently; returns how
    many were new. Matching knows nothing of cases: the caller (routing's hash list
    destination) says what the hashes are (``category``) and where they come from
    (``source_reference``, ``audit_obj``). A video we hashed (its vPDQ kept under the MD5)
    also goes on the list by its vPDQ, so re-encoded or cut copies match it later."""
    hash_list = own_hash_list()
    added = 0
    for algorithm in HASH_FIELDS:
        value = hashes.get(algorithm)
        if not value:
            continue
        _, created = HashEntry.objects.get_or_create(
            hash_list=hash_list,
            algorithm=algorithm,
            value=value.lower(),
            defaults={
                "quality": pdq_quality if algorithm == "pdq" else None,
                "category": category,
                "source_format": "assessment",
                "source_reference": source_reference,
                "imported_at": timezone.now(),
                "first_seen": first_seen,
            },
        )
        added += created
    md5 = hashes.get("md5", "").lower()
    features = video_hash_of(md5) if md5 else None
    if features:
        entry, created = HashEntry.objects.get_or_create(
            hash_list=hash_list,
            algorithm="vpdq",
            value=md5,
            defaults={
                "category": category,
                "source_format": "assessment",
                "source_reference": source_reference,
                "imported_at": timezone.now(),
                "first_seen": first_seen,
            },
        )
        if created:
            store_video_frames([(entry, features)])
        added += created
    record(
        "matching.own_list.add",
        actor=acting_user,
        obj=audit_obj,
        detail={"list": hash_list.pk, "added": added, **(audit_detail or {})},
    )
    return added
