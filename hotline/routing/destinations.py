"""Routing destinations as a registry: how a released referral is carried out.

A dispatcher gets a referral that is due (not held) and does what it means:
queue an e-mail or a signed forward in the outbox, add the item to a notice,
... It runs inside the routing transaction. A destination without a dispatcher
(until its app provides one) leaves the referral queued for that app to pick up.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from django.conf import settings

from hotline.outbox.actions import enqueue
from hotline.routing.models import Destination, PoliceChannel, Referral, ReferralStatus

Dispatcher = Callable[[Referral], None]
DISPATCHERS: dict[str, Dispatcher] = {}


def register_dispatcher(destination: str, dispatcher: Dispatcher) -> None:
    DISPATCHERS[destination] = dispatcher


def _police(referral: Referral) -> None:
    """E-mail the referral package to the police unit (or its INTERPOL channel)."""
    from hotline.routing.engine import final_assessment
    from hotline.routing.packages import item_package

    unit = referral.police_unit
    if unit is None or unit.channel == PoliceChannel.PORTAL or not unit.email:
        return  # a liaison hands it over; the referral stays queued on their list
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
    del message
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.SENT, sent_at=referral.created_at
    )


register_dispatcher(Destination.POLICE, _police)
register_dispatcher(Destination.INTERPOL, _police)
