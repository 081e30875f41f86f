"""The data migration that moved travel referrals into ``routing.Referral`` loses nothing.

The database is migrated back to the state before (tourism 0001, routing 0004), filled
through the historical models, then migrated forward to the latest state; every value of
every travel referral must be found on its routing referral. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from hotline.outbox.models import OutboxMessage
from hotline.routing.models import Referral
from tests.migrating import migrate_forward, old_apps_fixture

BEFORE = [("tourism", "0001_initial"), ("routing", "0004_open_referral_per_destination")]


def _t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, 30, tzinfo=UTC)


old_apps = old_apps_fixture(BEFORE)


@pytest.mark.django_db(transaction=True)
def test_travel_referrals_become_routing_referrals_with_every_value(old_apps: Any) -> None:
    Organisation = old_apps.get_model("accounts", "Organisation")
    User = old_apps.get_model("accounts", "User")
    PoliceUnit = old_apps.get_model("routing", "PoliceUnit")
    Partner = old_apps.get_model("routing", "Partner")
    Report = old_apps.get_model("cases", "Report")
    Item = old_apps.get_model("cases", "Item")
    OldReferral = old_apps.get_model("routing", "Referral")
    TravelReport = old_apps.get_model("tourism", "TravelReport")
    TravelReferral = old_apps.get_model("tourism", "TravelReferral")
    OldOutbox = old_apps.get_model("outbox", "OutboxMessage")

    police_org = Organisation.objects.create(name="Police DE", kind="law_enforcement", country="DE")
    partner_org = Organisation.objects.create(name="Partner TH", kind="hotline", country="TH")
    analyst = User.objects.create(username="alice")
    unit = PoliceUnit.objects.create(
        organisation=police_org, name="Unit DE", country="DE", email="cst@police-de.example.test"
    )
    partner = Partner.objects.create(
        organisation=partner_org,
        base_url="https://hotline-th.example.test",
        key_id="ed25519:th",
        public_key="unused",
        countries=["TH"],
    )
    report = Report.objects.create(reference="T-0001", channel="public_web", concern="travel")
    travel = TravelReport.objects.create(
        report=report,
        country="TH",
        city="Synthetic Bay",
        venue_type="hotel",
        occurred_on=_t(1).date(),
        suspect_nationality="DE",
        reporter_country="DE",
    )
    charged = TravelReferral.objects.create(
        travel_report=travel,
        kind="suspect_nationality",
        also_grounds=["reporter_residence"],
        country="DE",
        police_unit=unit,
        recipient="cst@police-de.example.test",
        identity_shared=True,
        status="charged",
        reason="Charged with the offence abroad.",
        remote_reference="DE-2026-17",
        problem="",
        created_by=analyst,
        created_at=_t(2, 1),
        sent_at=_t(2, 2),
        acknowledged_at=_t(3, 3),
        investigation_opened_at=_t(4, 4),
        suspect_identified_at=_t(5, 5),
        charged_at=_t(6, 6),
        concluded_at=None,
        last_answer_at=_t(6, 7),
        follow_up_due_at=_t(20, 8),
        follow_up_flagged_at=_t(21, 9),
    )
    TravelReferral.objects.create(
        travel_report=travel,
        kind="partner_hotline",
        country="TH",
        partner=partner,
        status="no_action",
        reason="Suspect left the country.",
        created_at=_t(2, 10),
        sent_at=_t(2, 11),
        acknowledged_at=_t(7, 12),
        concluded_at=_t(8, 13),
        last_answer_at=_t(8, 13),
    )
    TravelReferral.objects.create(
        travel_report=travel,
        kind="place_of_offence",
        country="TH",
        status="queued",
        problem="No police unit is known for TH and no INTERPOL channel is set up.",
        created_at=_t(2, 14),
    )
    message = OldOutbox.objects.create(
        channel="email",
        destination="cst@police-de.example.test",
        related_type="tourism.travelreferral",
        related_id=str(charged.pk),
    )
    item = Item.objects.create(kind="url", canonical_url="http://example.test/a")
    online = OldReferral.objects.create(item=item, destination="notice", country="NL")

    migrate_forward()

    assert "tourism_travelreferral" not in connection.introspection.table_names()
    carried = {r.grounds[0]: r for r in Referral.objects.filter(report_id=report.pk).order_by("pk")}
    assert sorted(carried) == ["partner_hotline", "place_of_offence", "suspect_nationality"]
    fields = (
        "item_id",
        "report_id",
        "destination",
        "grounds",
        "country",
        "police_unit_id",
        "partner_id",
        "recipient",
        "identity_shared",
        "status",
        "outcome",
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

    def values(referral: Referral) -> dict[str, Any]:
        return {f: getattr(referral, f) for f in fields}

    assert values(carried["suspect_nationality"]) == {
        "item_id": None,
        "report_id": report.pk,
        "destination": "police",
        "grounds": ["suspect_nationality", "reporter_residence"],
        "country": "DE",
        "police_unit_id": unit.pk,
        "partner_id": None,
        "recipient": "cst@police-de.example.test",
        "identity_shared": True,
        "status": "charged",
        "outcome": "Charged with the offence abroad.",
        "remote_reference": "DE-2026-17",
        "problem": "",
        "created_by_id": analyst.pk,
        "created_at": _t(2, 1),
        "sent_at": _t(2, 2),
        "acknowledged_at": _t(3, 3),
        "investigation_opened_at": _t(4, 4),
        "suspect_identified_at": _t(5, 5),
        "charged_at": _t(6, 6),
        "concluded_at": None,
        "last_answer_at": _t(6, 7),
        "follow_up_due_at": _t(20, 8),
        "follow_up_flagged_at": _t(21, 9),
    }
    assert values(carried["partner_hotline"]) == {
        "item_id": None,
        "report_id": report.pk,
        "destination": "partner",
        "grounds": ["partner_hotline"],
        "country": "TH",
        "police_unit_id": None,
        "partner_id": partner.pk,
        "recipient": "",
        "identity_shared": False,
        "status": "no_action",
        "outcome": "Suspect left the country.",
        "remote_reference": "",
        "problem": "",
        "created_by_id": None,
        "created_at": _t(2, 10),
        "sent_at": _t(2, 11),
        "acknowledged_at": _t(7, 12),
        "investigation_opened_at": None,
        "suspect_identified_at": None,
        "charged_at": None,
        "concluded_at": _t(8, 13),
        "last_answer_at": _t(8, 13),
        "follow_up_due_at": None,
        "follow_up_flagged_at": None,
    }
    assert values(carried["place_of_offence"]) == {
        "item_id": None,
        "report_id": report.pk,
        "destination": "police",
        "grounds": ["place_of_offence"],
        "country": "TH",
        "police_unit_id": None,
        "partner_id": None,
        "recipient": "",
        "identity_shared": False,
        "status": "queued",
        "outcome": "",
        "remote_reference": "",
        "problem": "No police unit is known for TH and no INTERPOL channel is set up.",
        "created_by_id": None,
        "created_at": _t(2, 14),
        "sent_at": None,
        "acknowledged_at": None,
        "investigation_opened_at": None,
        "suspect_identified_at": None,
        "charged_at": None,
        "concluded_at": None,
        "last_answer_at": None,
        "follow_up_due_at": None,
        "follow_up_flagged_at": None,
    }
    # The e-mail that carried the referral now names its routing referral.
    assert OutboxMessage.objects.values_list("related_type", "related_id").get(pk=message.pk) == (
        "routing.referral",
        str(carried["suspect_nationality"].pk),
    )
    # Online referrals are untouched.
    assert Referral.objects.values_list("item_id", "report_id", "destination").get(
        pk=online.pk
    ) == (item.pk, None, "notice")
    assert Referral.objects.count() == 4
