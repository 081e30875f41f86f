"""What leaves the instance about a travel report: the referral package and its e-mail.

The reporter's identity (contact details, country of residence) is in the package only
when the reporter consented to share it with the authorities
(``TravelReport.consent_to_share_identity``); otherwise the package says it is withheld and
whether the hotline can pass on questions. Photos are never attached: the reporter keeps
them, and the package says whether they hold any.
"""

from __future__ import annotations

import base64
import json
from typing import Any, NotRequired, TypedDict

from django.conf import settings

from hotline.cases.models import Concern
from hotline.routing.legal import LegalFact, facts_for
from hotline.routing.models import Referral
from hotline.routing.packages import REPORT_PACKAGERS
from hotline.tourism.models import TravelReport

PACKAGE_FORMAT = "hotline-travel-referral/1"


class ReporterBlock(TypedDict):
    identity_shared: bool
    willing_to_give_statement: bool
    reachable_through_hotline: bool
    contact: NotRequired[str]
    residence_country: NotRequired[str]


class FactBlock(TypedDict):
    key: str
    value: bool | str | None
    source: str
    checked_on: str | None


class TravelPackage(TypedDict):
    format: str
    origin: str
    origin_country: str
    referral: dict[str, Any]
    report: dict[str, Any]
    where: dict[str, Any]
    when: dict[str, Any]
    observed: str
    suspect: dict[str, Any]
    children: dict[str, Any]
    other_witnesses: str
    evidence: dict[str, bool]
    reporter: ReporterBlock
    legal_facts: list[FactBlock]


def _fact(fact: LegalFact) -> FactBlock:
    return {
        "key": fact.key,
        "value": fact.value if fact.known else None,
        "source": fact.source,
        "checked_on": fact.checked_on.isoformat() if fact.checked_on else None,
    }


def reporter_block(travel: TravelReport) -> ReporterBlock:
    """What authorities learn about the reporter: their identity only with their consent."""
    report = travel.report
    block: ReporterBlock = {
        "identity_shared": travel.consent_to_share_identity,
        "willing_to_give_statement": travel.willing_to_give_statement,
        "reachable_through_hotline": report.consent_to_contact and bool(report.contact),
    }
    if travel.consent_to_share_identity:
        block["contact"] = report.contact
        block["residence_country"] = travel.reporter_country
    return block


def travel_package(referral: Referral) -> TravelPackage:
    """The facts one authority receives about one travel report."""
    travel = TravelReport.objects.select_related("report").get(report=referral.report)
    report = travel.report
    return {
        "format": PACKAGE_FORMAT,
        "origin": settings.BASE_URL,
        "origin_country": settings.INSTANCE_COUNTRY,
        "referral": {
            "id": referral.pk,
            "kind": referral.primary_ground,
            "also_grounds": referral.also_grounds,
            "country": referral.country,
        },
        "report": {
            "reference": report.reference,
            "received_at": report.received_at.isoformat(),
            "language": report.language,
            "child_in_danger": report.child_in_danger,
        },
        "where": {
            "country": travel.country,
            "city": travel.city,
            "venue_type": travel.venue_type,
            "venue_name": travel.venue_name,
            "address": travel.address,
            "latitude": str(travel.latitude) if travel.latitude is not None else None,
            "longitude": str(travel.longitude) if travel.longitude is not None else None,
        },
        "when": {
            "date": travel.occurred_on.isoformat(),
            "local_time": travel.occurred_time.strftime("%H:%M") if travel.occurred_time else None,
            "time_zone": travel.time_zone or None,
            "utc": travel.occurred_at.isoformat() if travel.occurred_at else None,
        },
        "observed": report.description,
        "suspect": {
            "name_or_alias": travel.suspect_name,
            "description": travel.suspect_description,
            "apparent_nationality": travel.suspect_nationality or None,
            "languages": travel.suspect_languages,
            "vehicle": travel.suspect_vehicle,
            "number_plate": travel.suspect_plate,
            "hotel_and_room": travel.suspect_lodging,
            "company_involved": travel.company_involved,
        },
        "children": {
            "number": travel.children_count,
            "apparent_age": travel.child_age or None,
            "gender": travel.child_gender or None,
            "description": travel.child_description,
        },
        "other_witnesses": travel.other_witnesses,
        "evidence": {"reporter_holds_photos": travel.holds_photos, "photos_attached": False},
        "reporter": reporter_block(travel),
        "legal_facts": [_fact(f) for f in facts_for(referral.country)],
    }


def referral_email(referral: Referral) -> dict[str, Any]:
    """The outbox payload of a travel referral: a short text and the package as JSON.

    Registered with routing as the packager of ``travel`` reports (``TourismConfig.ready``).
    """
    package = travel_package(referral)
    travel = TravelReport.objects.select_related("report").get(report=referral.report)
    grounds = ", ".join(referral.grounds)
    if travel.consent_to_share_identity:
        identity = (
            "The reporter agreed that their contact details be shared with you (see the package)."
        )
    elif package["reporter"]["reachable_through_hotline"]:
        identity = (
            "The reporter's identity is withheld. They agreed to be contacted by us: send us your "
            "questions quoting the reference and we will pass them on."
        )
    else:
        identity = "The reporter is anonymous."
    body = (
        f"{settings.INSTANCE_NAME} refers travel and tourism report {travel.reference} "
        f"to {referral.destination_name or referral.country}.\n\n"
        f"Grounds: {grounds}\n"
        f"Where: {travel.city}, {travel.country} ({travel.venue_type})\n"
        f"When: {travel.occurred_on.isoformat()}\n"
        f"Child in immediate danger: {'yes' if travel.report.child_in_danger else 'no'}\n\n"
        f"{identity}\n"
        "No photos or files are attached; the package says whether the reporter holds any.\n"
        "Please tell us what happens next (acknowledged, investigation opened, suspect identified, "
        "charged, convicted or acquitted, or no action and why), quoting the reference.\n"
    )
    return {
        "subject": f"[{settings.INSTANCE_NAME}] Travel referral {referral.pk}: {travel.reference}",
        "body": body,
        "attachments": [
            {
                "filename": f"travel-referral-{referral.pk}.json",
                "mimetype": "application/json",
                "content": base64.b64encode(
                    json.dumps(package, indent=1, ensure_ascii=False).encode()
                ).decode(),
            }
        ],
    }


def company_notice_email(*, company_name: str, reference: str, text: str) -> dict[str, Any]:
    """A notice to a company: the analyst's text and the reference, nothing about the reporter."""
    return {
        "subject": f"[{settings.INSTANCE_NAME}] Child protection notice {reference}",
        "body": (
            f"To {company_name},\n\n{text}\n\n"
            f"Reference: {reference}. The police have cleared this notice.\n"
            f"{settings.INSTANCE_NAME}\n"
        ),
    }


# Routing sends travel referrals; what they carry is tourism's to say.
REPORT_PACKAGERS.register(Concern.TRAVEL, referral_email)
