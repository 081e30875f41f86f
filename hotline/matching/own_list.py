"""The instance's own hash list: hashes of material our analysts confirmed.

Routing refers files finally assessed as baseline material to the ``hashlist``
destination; the dispatcher registered in ``MatchingConfig.ready`` adds every hash
of the item here, with the assessment as provenance. The list is matched like any
other (high trust) and exported for victim identification.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.cases.models import Assessment, Item
from hotline.matching.models import HashEntry, HashList, HashListSource, TrustLevel

HASH_FIELDS = ("md5", "sha1", "sha256", "pdq")


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


def provenance(item: Item, assessment: Assessment) -> str:
    """Where an entry came from: the item, the assessment and its severity."""
    severity = f";severity={assessment.scheme}:{assessment.severity}" if assessment.severity else ""
    return f"item:{item.pk}/assessment:{assessment.pk}{severity}"


@transaction.atomic
def add_confirmed_hashes(item: Item, assessment: Assessment, *, acting_user: object = None) -> int:
    """Add the item's hashes to the own list (idempotent); returns how many were new."""
    hash_list = own_hash_list()
    added = 0
    for algorithm in HASH_FIELDS:
        value = getattr(item, algorithm)
        if not value:
            continue
        _, created = HashEntry.objects.get_or_create(
            hash_list=hash_list,
            algorithm=algorithm,
            value=value.lower(),
            defaults={
                "quality": item.pdq_quality if algorithm == "pdq" else None,
                "category": assessment.legality,  # the list maps it to our classification
                "source_format": "assessment",
                "source_reference": provenance(item, assessment),
                "imported_at": timezone.now(),
                "first_seen": item.first_reported_at,
            },
        )
        added += created
    record(
        "matching.own_list.add",
        actor=acting_user,  # type: ignore[arg-type]
        obj=item,
        detail={"list": hash_list.pk, "added": added, "assessment": assessment.pk},
    )
    return added
