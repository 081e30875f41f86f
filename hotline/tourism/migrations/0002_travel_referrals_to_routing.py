"""Carry every travel referral over to ``routing.Referral`` (a referral of the report).

Nothing is lost: the ground (``kind``) and the further grounds become ``grounds`` (primary
first), the reason becomes ``outcome``, and every other field keeps its name and value.
Outbox messages that named a travel referral name its new routing referral. Audit events
are append-only and keep the old ``tourism.travelreferral`` ids.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# Fields with the same name and meaning on both models.
SAME = (
    "country",
    "police_unit_id",
    "partner_id",
    "recipient",
    "identity_shared",
    "status",
    "remote_reference",
    "problem",
    "created_by_id",
    "created_at",
    "sent_at",
    "acknowledged_at",
    "investigation_opened_at",
    "suspect_identified_at",
    "charged_at",
    "concluded_at",
    "last_answer_at",
    "follow_up_due_at",
    "follow_up_flagged_at",
)
PARTNER_HOTLINE = "partner_hotline"


def forward(apps: Any, schema_editor: Any) -> None:
    TravelReferral = apps.get_model("tourism", "TravelReferral")
    Referral = apps.get_model("routing", "Referral")
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    rows = TravelReferral.objects.select_related("travel_report").order_by("created_at", "pk")
    for old in rows.iterator():
        new = Referral.objects.create(
            report_id=old.travel_report.report_id,
            destination="partner" if old.kind == PARTNER_HOTLINE else "police",
            grounds=[old.kind, *old.also_grounds],
            outcome=old.reason,
            **{name: getattr(old, name) for name in SAME},
        )
        OutboxMessage.objects.filter(
            related_type="tourism.travelreferral", related_id=str(old.pk)
        ).update(related_type="routing.referral", related_id=str(new.pk))


def backward(apps: Any, schema_editor: Any) -> None:
    TravelReferral = apps.get_model("tourism", "TravelReferral")
    TravelReport = apps.get_model("tourism", "TravelReport")
    Referral = apps.get_model("routing", "Referral")
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    travel_of = dict(TravelReport.objects.values_list("report_id", "pk"))
    for new in Referral.objects.filter(report_id__in=list(travel_of)).order_by("pk").iterator():
        old = TravelReferral.objects.create(
            travel_report_id=travel_of[new.report_id],
            kind=new.grounds[0],
            also_grounds=list(new.grounds[1:]),
            reason=new.outcome,
            **{name: getattr(new, name) for name in SAME},
        )
        OutboxMessage.objects.filter(related_type="routing.referral", related_id=str(new.pk)).update(
            related_type="tourism.travelreferral", related_id=str(old.pk)
        )
        new.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tourism", "0001_initial"),
        ("routing", "0005_referral_of_report"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
