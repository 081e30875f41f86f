from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import Verdict, assess_item
from hotline.cases.models import Item, Report, ReportStatus
from hotline.outbox.models import OutboxMessage
from hotline.routing import actions
from hotline.routing.engine import PlannedReferral, plan
from hotline.routing.models import Destination, Referral, ReferralStatus
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.routing.factories import hosted_item, routing_world

pytestmark = pytest.mark.django_db

BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


def _referrals(item: Item) -> list[tuple[str, str, str]]:
    return [
        (r.destination, r.country, r.status)
        for r in Referral.objects.filter(item=item).order_by("pk")
    ]


def test_hosted_at_home_goes_to_police_then_notice_then_blocklist(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/1", country="FR")

    assess_item(item, BASELINE, acting_user=world.alice)

    assert _referrals(item) == [
        ("police", "FR", "queued"),  # sent once the outbox delivers the e-mail
        ("notice", "FR", "queued"),  # goes out with the next notice run
        ("blocklist", "FR", "sent"),  # listed in the feeds
    ]
    email = OutboxMessage.objects.get(channel="email")
    assert email.destination == "police@example.test"
    assert Report.objects.get().status == ReportStatus.ACTION_TAKEN
    assert item.timeline.police_referred_at is None  # type: ignore[attr-defined]

    deliver_outbox()

    assert _referrals(item)[0] == ("police", "FR", "sent")
    item.timeline.refresh_from_db()  # type: ignore[attr-defined]
    email.refresh_from_db()
    assert item.timeline.police_referred_at == email.delivered_at  # type: ignore[attr-defined]


def test_hosted_in_partner_country_is_forwarded_to_the_partner_only(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/2", country="DE")

    assess_item(item, BASELINE, acting_user=world.alice)

    assert _referrals(item)[0][:2] == ("partner", "DE")
    assert [r[0] for r in _referrals(item)] == ["partner", "blocklist"]


def test_hosted_where_no_partner_exists_goes_to_interpol_and_a_direct_notice(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/3", country="BR")

    assess_item(item, BASELINE, acting_user=world.alice)

    assert [(d, c) for d, c, _ in _referrals(item)] == [
        ("interpol", "BR"),
        ("notice", "BR"),
        ("blocklist", "FR"),
    ]
    assert OutboxMessage.objects.get(channel="email").destination == "ncb@example.test"


def test_not_illegal_is_not_routed(world: World, settings: object) -> None:
    settings.FOUR_EYES = []  # type: ignore[attr-defined]
    routing_world()
    item = hosted_item("http://images.example.test/4", country="FR")

    assess_item(item, Verdict(legality="not_illegal"), acting_user=world.alice)

    assert _referrals(item) == []
    assert plan(item).skipped == ["not routed: no final verdict of illegal material"]


def test_blocking_is_skipped_where_the_law_does_not_allow_it(world: World) -> None:
    rw = routing_world()
    rw.home.blocking_allowed = False
    rw.home.save()
    item = hosted_item("http://images.example.test/5", country="FR")

    assess_item(item, BASELINE, acting_user=world.alice)

    assert "No blocklist entry: blocking is not allowed in our jurisdiction" in plan(item).skipped
    assert [r[0] for r in _referrals(item)] == ["police", "notice"]


def test_police_first_holds_the_notice_until_the_hold_ends(world: World) -> None:
    routing_world(police_first_hours=48)
    item = hosted_item("http://images.example.test/6", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    notice = Referral.objects.get(item=item, destination=Destination.NOTICE)
    assert notice.status == ReferralStatus.HELD

    assert actions.release_due_holds() == 0
    Referral.objects.filter(pk=notice.pk).update(hold_until=timezone.now() - timedelta(seconds=1))
    assert actions.release_due_holds() == 1

    assert Referral.objects.get(pk=notice.pk).status == ReferralStatus.QUEUED
    assert item.notice_items.count() == 1


def test_police_can_clear_a_hold_early(world: World) -> None:
    routing_world(police_first_hours=48)
    item = hosted_item("http://images.example.test/7", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    notice = Referral.objects.get(item=item, destination=Destination.NOTICE)

    actions.clear_hold(notice, acting_user=world.dave)

    assert item.notice_items.count() == 1
    assert AuditEvent.objects.filter(action="referral.hold_cleared", actor="user:dave").count() == 1


def test_routing_twice_refers_each_destination_once(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/8", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)

    assert actions.route_item(item) == []
    assert Referral.objects.filter(item=item).count() == 3


def test_supervisor_override_needs_a_reason_and_is_audited(world: World) -> None:
    rw = routing_world()
    item = hosted_item("http://images.example.test/9", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    notice = Referral.objects.get(item=item, destination=Destination.NOTICE)

    with pytest.raises(ValueError, match="needs a reason"):
        actions.override_routing(item, cancel=[notice], reason=" ", acting_user=world.charlie)
    actions.override_routing(
        item,
        cancel=[notice],
        add=[PlannedReferral(Destination.PARTNER, "DE", None, partner=rw.partner)],
        reason="Mirror on a German host; partner asked for it",
        acting_user=world.charlie,
    )

    assert Referral.objects.get(pk=notice.pk).status == ReferralStatus.CANCELLED
    assert Referral.objects.get(
        item=item, destination=Destination.PARTNER
    ).override_reason.startswith("Mirror")
    event = AuditEvent.objects.get(action="item.route_override")
    assert event.detail["reason"] == "Mirror on a German host; partner asked for it"


def test_referral_lifecycle_timestamps_every_step(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/10", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    police = Referral.objects.get(item=item, destination=Destination.POLICE)

    actions.update_referral(
        police, status="acted_on", outcome="investigation opened", acting_user=world.dave
    )

    police.refresh_from_db()
    assert police.status == ReferralStatus.ACTED_ON
    assert police.acknowledged_at is not None
    assert police.acted_on_at is not None
    assert police.closed_at is None
    with pytest.raises(ValueError, match="cannot be set to 'sent' by hand"):
        actions.update_referral(police, status="sent", acting_user=world.dave)


def test_cancelled_notice_leaves_the_unsent_notice(world: World) -> None:
    routing_world()
    item = hosted_item("http://images.example.test/11", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    notice = Referral.objects.get(item=item, destination=Destination.NOTICE)
    assert item.notice_items.count() == 1  # type: ignore[attr-defined]

    actions.override_routing(
        item, cancel=[notice], reason="Police asked us to wait", acting_user=world.charlie
    )

    assert item.notice_items.count() == 0  # type: ignore[attr-defined]


def test_content_back_after_removal_is_referred_again(world: World) -> None:
    from hotline.cases.actions import ReportInput, file_report
    from hotline.cases.models import Channel, Concern
    from hotline.takedown.actions import confirm_removed

    routing_world()
    item = hosted_item("http://images.example.test/12", country="FR")
    assess_item(item, BASELINE, acting_user=world.alice)
    confirm_removed(item, source="test")
    Referral.objects.filter(item=item).update(status=ReferralStatus.CLOSED)

    file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=[item.canonical_url]),
        actor=None,
    )
    assess_item(Item.objects.get(pk=item.pk), BASELINE, acting_user=world.alice)

    assert Referral.objects.filter(item=item, destination=Destination.NOTICE).count() == 2


def test_analyst_names_the_provider_when_rdap_found_none(world: World) -> None:
    from django.urls import reverse

    from tests.conftest import signed_in

    routing_world()
    item = hosted_item("http://images.example.test/13", country="BR", abuse_email="")
    assess_item(item, BASELINE, acting_user=world.alice)
    notice = Referral.objects.get(item=item, destination=Destination.NOTICE)
    assert notice.hosting_provider is None
    assert notice.outcome == "no abuse contact known: enter the hosting provider by hand"

    response = signed_in(world.alice).post(
        reverse("routing:referral", kwargs={"pk": notice.pk}),
        {
            "provider": "1",
            "p-name": "Synthetic Host",
            "p-abuse_email": "abuse@synthetic.example.test",
        },
    )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.hosting_provider.abuse_email == "abuse@synthetic.example.test"  # type: ignore[union-attr]
    assert item.notice_items.count() == 1  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="referral.set_provider").count() == 1
