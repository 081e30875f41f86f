"""Routing destinations as a registry: how a released referral is carried out.

A dispatcher gets a referral that is due (not held) and does what it means — queue an
e-mail or a signed forward in the outbox, put the item on a notice or a list — and returns an
``Outcome`` (``hotline.routing.outcomes``). It never writes the referral itself: routing's
``record_dispatch`` does, with the audit event. It runs inside the routing transaction. A
destination without a dispatcher leaves the referral queued.

Each destination has one dispatcher, registered by the module that provides it: police and
INTERPOL and the own hash list here, the partner forward in ``routing.federation``, the
notice in ``takedown.destinations``, the blocklist in ``feeds.destinations``. What else must
happen after a dispatch (the feeds publishing a listed hash too) listens to
``hotline.routing.events.referral_dispatched``, in the order of ``hotline.site.pipeline``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from hotline.core.registry import Registry
from hotline.matching.own_list import add_hashes
from hotline.outbox.actions import enqueue
from hotline.routing.engine import final_assessment
from hotline.routing.models import Destination, PoliceChannel, Referral
from hotline.routing.outcomes import Closed, Outcome, Sent, Waiting
from hotline.routing.packages import item_package

Dispatcher = Callable[[Referral], Outcome]
DISPATCHERS: Registry[Dispatcher] = Registry("routing dispatcher")


def police(referral: Referral) -> Outcome:
    """E-mail the referral package to the police unit (or its INTERPOL channel)."""
    unit = referral.police_unit
    if unit is None or unit.channel == PoliceChannel.PORTAL or not unit.email:
        return Waiting("a liaison hands it over")  # stays queued on their list
    package = item_package(referral.online_item, final_assessment(referral.online_item))
    package["referral"] = {
        "id": referral.pk,
        "destination": referral.destination,
        "country": referral.country,
    }
    body = (
        f"{settings.INSTANCE_NAME} refers item {referral.item_id} to {unit.name}.\n\n"
        f"Web address: {referral.online_item.canonical_url or '(file known by hashes)'}\n"
        f"Hosting country: {referral.online_item.hosting_country or 'unknown'}\n\n"
        "The attached JSON holds the metadata, assessment, hosting trace and hashes. No content is attached.\n"
    )
    message = enqueue(
        "email",
        unit.email,
        {
            "subject": f"[{settings.INSTANCE_NAME}] Referral {referral.pk}: item {referral.item_id}",
            "body": body,
            "attachments": [
                {
                    "filename": f"referral-{referral.pk}.json",
                    "mimetype": "application/json",
                    "content": base64.b64encode(json.dumps(package, indent=1).encode()).decode(),
                }
            ],
        },
        related=referral,
    )
    return Sent(at=referral.created_at, message_id=message.pk)


HASH_FIELDS = ("md5", "sha1", "sha256", "pdq")


def own_hash_list(referral: Referral) -> Outcome:
    """Add the hashes of a file finally assessed as illegal to the instance's own hash list,
    with the assessment as provenance; the referral closes at once."""
    item = referral.online_item
    assessment = final_assessment(item)
    if assessment is None:
        return Waiting("no final verdict")
    severity = f";severity={assessment.scheme}:{assessment.severity}" if assessment.severity else ""
    added = add_hashes(
        {algorithm: value for algorithm in HASH_FIELDS if (value := getattr(item, algorithm))},
        pdq_quality=item.pdq_quality,
        category=assessment.legality,  # the list maps it to our classification
        source_reference=f"item:{item.pk}/assessment:{assessment.pk}{severity}",
        first_seen=item.first_reported_at,
        audit_obj=item,
        audit_detail={"assessment": assessment.pk},
    )
    return Closed(at=timezone.now(), outcome=f"added to the own hash list ({added} new hashes)")


DISPATCHERS.register(Destination.POLICE, police)
DISPATCHERS.register(Destination.INTERPOL, police)
DISPATCHERS.register(Destination.HASHLIST, own_hash_list)
