"""Every write of the routing app: routing decisions, overrides, referral lifecycle."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import record
from hotline.cases.actions import mark_action_taken, mark_report_action_taken
from hotline.cases.events import ItemAssessed
from hotline.cases.models import Item, Report
from hotline.outbox.actions import enqueue
from hotline.routing.destinations import DISPATCHERS
from hotline.routing.engine import PlannedReferral, plan
from hotline.routing.events import (
    ReferralCancelled,
    ReferralDispatched,
    referral_cancelled,
    referral_dispatched,
)
from hotline.routing.models import (
    FINAL,
    PROGRESS,
    Destination,
    HostingProvider,
    Partner,
    PoliceUnit,
    Referral,
    ReferralStatus,
)
from hotline.routing.outcomes import Closed, Outcome, Sent, Waiting
from hotline.routing.packages import report_referral_email

Actor = User | ApiCredential | None

# Statuses after which a referral no longer changes except to close.
_OPEN = (ReferralStatus.HELD, ReferralStatus.QUEUED)


def _create(item: Item, planned: PlannedReferral, *, reason: str = "") -> Referral | None:
    if (
        Referral.objects.filter(item=item, destination=planned.destination, country=planned.country)
        .exclude(status__in=[ReferralStatus.CANCELLED, ReferralStatus.CLOSED])
        .exists()
    ):
        # Routing is idempotent: a destination is referred once while that referral is open;
        # content that comes back after removal (closed referrals) is referred afresh.
        return None
    provider = planned.hosting_provider
    if provider is not None and provider.pk is None:
        provider = (
            HostingProvider.objects.filter(abuse_email__iexact=provider.abuse_email).first()
            or provider
        )
        if provider.pk is None:
            provider.save(force_insert=True)
    held = planned.hold_until is not None and planned.hold_until > timezone.now()
    return Referral.objects.create(
        item=item,
        destination=planned.destination,
        country=planned.country,
        police_unit=planned.police_unit,
        partner=planned.partner,
        hosting_provider=provider,
        rule=planned.rule,
        hold_until=planned.hold_until,
        status=ReferralStatus.HELD if held else ReferralStatus.QUEUED,
        override_reason=reason,
        outcome=planned.problem,
    )


def dispatch(referral: Referral) -> None:
    """Carry out a due referral through its destination's dispatcher (inside the transaction)
    and record the outcome the dispatcher returns."""
    dispatcher = DISPATCHERS.get(referral.destination)
    if dispatcher is None or referral.status != ReferralStatus.QUEUED:
        return
    outcome = dispatcher(referral)
    record_dispatch(referral, outcome)
    referral.refresh_from_db()
    if referral.status == ReferralStatus.SENT:
        mark_action_taken(referral.online_item)
    referral_dispatched.send(ReferralDispatched(referral=referral, outcome=outcome))


@transaction.atomic
def record_dispatch(referral: Referral, outcome: Outcome, *, acting_user: Actor = None) -> None:
    """Write what a dispatcher did to a queued referral: sent (with its time and, where the
    dispatcher says so, outcome text) or closed at once; ``Waiting`` changes nothing."""
    if isinstance(outcome, Waiting):
        return
    if isinstance(outcome, Sent):
        fields: dict[str, object] = {"status": ReferralStatus.SENT, "sent_at": outcome.at}
        if outcome.outcome:
            fields["outcome"] = outcome.outcome
        action = "referral.sent"
    elif isinstance(outcome, Closed):
        fields = {
            "status": ReferralStatus.CLOSED,
            "sent_at": outcome.at,
            "closed_at": outcome.at,
            "outcome": outcome.outcome,
        }
        action = "referral.closed"
    else:  # pragma: no cover - the Outcome union is closed
        raise TypeError(f"not a dispatch outcome: {outcome!r}")
    changed = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.QUEUED).update(**fields)
    if changed:
        detail: dict[str, object] = {"status": fields["status"]}
        if isinstance(outcome, Sent) and outcome.message_id is not None:
            detail["message"] = str(outcome.message_id)
        if fields.get("outcome"):
            detail["outcome"] = fields["outcome"]
        record(action, actor=acting_user, obj=referral, detail=detail)


@transaction.atomic
def mark_sent(referral_ids: Iterable[int], *, at: datetime, acting_user: Actor = None) -> int:
    """Referrals whose message went out by another app's run (a notice e-mail): queued ones
    become sent at ``at``. Returns how many changed."""
    changed = 0
    for referral in Referral.objects.filter(
        pk__in=list(referral_ids), status=ReferralStatus.QUEUED
    ):
        record_dispatch(referral, Sent(at=at), acting_user=acting_user)
        changed += 1
    return changed


@transaction.atomic
def close_sent_referrals(
    item: Item, *, destination: str, outcome: str, acting_user: Actor = None
) -> int:
    """Close an item's sent referrals to ``destination`` with ``outcome`` (e.g. the feeds take
    a removed page off the blocklist). Returns how many closed."""
    now = timezone.now()
    closed = 0
    for referral in Referral.objects.select_for_update().filter(
        item=item, destination=destination, status=ReferralStatus.SENT
    ):
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.CLOSED, closed_at=now, outcome=outcome
        )
        record(
            "referral.closed",
            actor=acting_user,
            obj=referral,
            detail={"status": ReferralStatus.CLOSED, "outcome": outcome},
        )
        closed += 1
    return closed


@transaction.atomic
def route_item(item: Item, *, acting_user: Actor = None) -> list[Referral]:
    """Apply the routing rules to a finally assessed item and send what is due.

    Idempotent: a destination already referred is not referred again.
    """
    decision = plan(item)
    created = [r for planned in decision.referrals if (r := _create(item, planned)) is not None]
    for referral in created:
        dispatch(referral)
    record(
        "item.route",
        actor=acting_user,
        obj=item,
        detail={
            "condition": decision.condition,
            "hosting_country": decision.hosting_country,
            "referrals": [r.pk for r in created],
            "skipped": decision.skipped,
        },
    )
    return created


def route_after_verdict(event: ItemAssessed) -> None:
    """Listens to ``item_assessed``: every final verdict is routed at once."""
    route_item(event.item, acting_user=None)


@transaction.atomic
def override_routing(
    item: Item,
    *,
    add: Iterable[PlannedReferral] = (),
    cancel: Iterable[Referral] = (),
    reason: str,
    acting_user: User,
) -> list[Referral]:
    """A supervisor's override: cancel planned referrals and/or add others, with a reason."""
    if not reason.strip():
        raise ValueError("an override needs a reason")
    cancelled = []
    for referral in cancel:
        if referral.item_id != item.pk or referral.status not in _OPEN:
            raise ValueError(
                f"referral {referral.pk} can no longer be cancelled ({referral.status})"
            )
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.CANCELLED, closed_at=timezone.now(), override_reason=reason
        )
        record("referral.cancel", actor=acting_user, obj=referral, detail={"reason": reason})
        # A cancelled notice leaves the notice that has not gone out yet (takedown listens).
        referral_cancelled.send(ReferralCancelled(referral=referral))
        cancelled.append(referral.pk)
    added = [r for planned in add if (r := _create(item, planned, reason=reason)) is not None]
    for referral in added:
        dispatch(referral)
    record(
        "item.route_override",
        actor=acting_user,
        obj=item,
        detail={"cancelled": cancelled, "added": [r.pk for r in added], "reason": reason},
    )
    return added


@transaction.atomic
def release_due_holds() -> int:
    """Send held referrals whose police hold has ended (periodic)."""
    now = timezone.now()
    due = list(
        Referral.objects.select_for_update().filter(status=ReferralStatus.HELD, hold_until__lte=now)
    )
    for referral in due:
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.QUEUED)
        referral.status = ReferralStatus.QUEUED
        dispatch(referral)
        record("referral.hold_ended", actor=None, obj=referral)
    return len(due)


@transaction.atomic
def clear_hold(referral: Referral, *, acting_user: User) -> None:
    """Police clear a held notice early ("you may go ahead")."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != ReferralStatus.HELD:
        raise ValueError("this referral is not held")
    locked.status = ReferralStatus.QUEUED
    locked.save(update_fields=["status"])
    record("referral.hold_cleared", actor=acting_user, obj=locked)
    dispatch(locked)


@transaction.atomic
def extend_hold(referral: Referral, *, until: datetime, reason: str, acting_user: User) -> None:
    """Police ask for a longer hold (an investigation must not be tipped off)."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in _OPEN:
        raise ValueError("only a referral not yet sent can be held")
    locked.status = ReferralStatus.HELD
    locked.hold_until = until
    locked.save(update_fields=["status", "hold_until"])
    record(
        "referral.hold_extended",
        actor=acting_user,
        obj=locked,
        detail={"until": until, "reason": reason},
    )


_TRANSITIONS = {
    ReferralStatus.ACKNOWLEDGED: "acknowledged_at",
    ReferralStatus.ACTED_ON: "acted_on_at",
    ReferralStatus.CLOSED: "closed_at",
}


@transaction.atomic
def update_referral(
    referral: Referral,
    *,
    status: str,
    outcome: str = "",
    remote_reference: str = "",
    acting_user: Actor,
) -> Referral:
    """Move a referral along its lifecycle (acknowledged, acted on, closed), timestamping each step."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    new = ReferralStatus(status)
    if new not in _TRANSITIONS:
        raise ValueError(f"a referral cannot be set to {status!r} by hand")
    now = timezone.now()
    fields = ["status"]
    locked.status = new
    for step, field in _TRANSITIONS.items():
        if getattr(locked, field) is None and list(_TRANSITIONS).index(step) <= list(
            _TRANSITIONS
        ).index(new):
            setattr(locked, field, now)
            fields.append(field)
    if outcome:
        locked.outcome = outcome
        fields.append("outcome")
    if remote_reference:
        locked.remote_reference = remote_reference
        fields.append("remote_reference")
    locked.save(update_fields=fields)
    record(
        "referral.update", actor=acting_user, obj=locked, detail={"status": new, "outcome": outcome}
    )
    return locked


@transaction.atomic
def set_hosting_provider(
    referral: Referral, *, name: str, abuse_email: str, acting_user: User
) -> HostingProvider:
    """Name the hosting provider of a notice by hand (no abuse contact was found by RDAP);
    a queued notice then goes out with the next notice run."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.destination != Destination.NOTICE:
        raise ValueError("only a notice has a hosting provider")
    if locked.status not in _OPEN:
        raise ValueError("this notice has already gone out")
    provider = HostingProvider.objects.filter(abuse_email__iexact=abuse_email).first()
    if provider is None:
        provider = HostingProvider.objects.create(
            name=name, abuse_email=abuse_email, country=locked.country, source="manual"
        )
    locked.hosting_provider = provider
    locked.outcome = ""
    locked.save(update_fields=["hosting_provider", "outcome"])
    record("referral.set_provider", actor=acting_user, obj=locked, detail={"provider": provider.pk})
    dispatch(locked)
    return provider


# --- referrals of whole reports (no item: travel and tourism) -------------------------------
#
# A report referral goes to one police unit or partner hotline on one or more grounds. The
# owning app (tourism) plans them and builds the package through the registry in
# ``hotline.routing.packages``; creating, sending, outcomes and follow-ups happen here, for
# every kind of referral alike.


@dataclass(frozen=True)
class ReportReferralPlan:
    """One planned referral of a whole report."""

    destination: str
    country: str
    grounds: tuple[str, ...]
    police_unit: PoliceUnit | None = None
    partner: Partner | None = None
    recipient: str = ""
    problem: str = ""


def _follow_up_after() -> timedelta:
    return timedelta(days=settings.TOURISM_FOLLOW_UP_DAYS)


def _mark_sent(referral: Referral, now: datetime) -> list[str]:
    referral.status = ReferralStatus.SENT
    referral.sent_at = now
    referral.follow_up_due_at = now + _follow_up_after()
    return ["status", "sent_at", "follow_up_due_at"]


@transaction.atomic
def refer_report(
    report: Report,
    plans: Iterable[ReportReferralPlan],
    *,
    identity_shared: bool,
    acting_user: User,
) -> list[Referral]:
    """Refer a report (not an item) to the planned authorities, sending what has an address.

    Idempotent: a destination and country already referred for this report is not referred
    again. A referral with an e-mail address goes out through the outbox in this transaction
    with the package its report's concern registered; the others wait for a liaison to hand
    them over. Once one has gone out, the reporter's status becomes "action taken".
    """
    locked = Report.objects.select_for_update().get(pk=report.pk)
    now = timezone.now()
    created: list[Referral] = []
    for planned in plans:
        if Referral.objects.filter(
            report=locked, destination=planned.destination, country=planned.country
        ).exists():
            continue
        referral = Referral.objects.create(
            report=locked,
            destination=planned.destination,
            country=planned.country,
            grounds=list(planned.grounds),
            police_unit=planned.police_unit,
            partner=planned.partner,
            recipient=planned.recipient,
            identity_shared=identity_shared,
            problem=planned.problem[:300],
            created_by=acting_user,
            created_at=now,
        )
        if referral.recipient:
            enqueue("email", referral.recipient, report_referral_email(referral), related=referral)
            referral.save(update_fields=_mark_sent(referral, now))
        created.append(referral)
    if any(r.status == ReferralStatus.SENT for r in created):
        mark_report_action_taken(locked)
    record(
        "report.refer",
        actor=acting_user,
        obj=locked,
        detail={
            "referrals": [r.pk for r in created],
            "grounds": [r.grounds for r in created],
            "identity_shared": identity_shared,
        },
    )
    return created


@transaction.atomic
def mark_handed_over(referral: Referral, *, acting_user: User) -> Referral:
    """A referral without an e-mail address was handed over by hand (portal, phone, INTERPOL)."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != ReferralStatus.QUEUED:
        raise ValueError("this referral was already sent")
    locked.save(update_fields=_mark_sent(locked, timezone.now()))
    _action_taken(locked)
    record("referral.handed_over", actor=acting_user, obj=locked)
    return locked


def _action_taken(referral: Referral) -> None:
    if referral.report_id is not None:
        mark_report_action_taken(Report.objects.get(pk=referral.report_id))
    elif referral.item_id is not None:
        mark_action_taken(Item.objects.get(pk=referral.item_id))


_OUTCOME_FIELDS = {
    ReferralStatus.ACKNOWLEDGED: "acknowledged_at",
    ReferralStatus.INVESTIGATION_OPENED: "investigation_opened_at",
    ReferralStatus.SUSPECT_IDENTIFIED: "suspect_identified_at",
    ReferralStatus.CHARGED: "charged_at",
}
# What each answer implies happened before it (a charge implies an identified suspect, ...).
_IMPLIED: dict[str, tuple[ReferralStatus, ...]] = {
    ReferralStatus.ACKNOWLEDGED: (ReferralStatus.ACKNOWLEDGED,),
    ReferralStatus.INVESTIGATION_OPENED: PROGRESS[:2],
    ReferralStatus.SUSPECT_IDENTIFIED: PROGRESS[:3],
    ReferralStatus.CHARGED: PROGRESS,
    ReferralStatus.CONVICTED: PROGRESS,
    ReferralStatus.ACQUITTED: PROGRESS,
    ReferralStatus.NO_ACTION: (ReferralStatus.ACKNOWLEDGED,),
}


@transaction.atomic
def record_outcome(
    referral: Referral,
    *,
    status: str,
    reason: str = "",
    remote_reference: str = "",
    acting_user: Actor,
) -> Referral:
    """Record what an authority did with a referral, timestamping each step it implies.

    "No action" needs a reason (kept in ``outcome``). Each answer clears a follow-up flag
    and, until the referral is concluded (convicted, acquitted or no action), sets the
    next follow-up date.
    """
    if status not in _IMPLIED:
        raise ValueError(f"{status!r} is not an outcome")
    new = ReferralStatus(status)
    if new == ReferralStatus.NO_ACTION and not reason.strip():
        raise ValueError("say why no action was taken")
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status in FINAL:
        raise ValueError("this referral is concluded")
    if locked.status in (ReferralStatus.CANCELLED, ReferralStatus.CLOSED):
        raise ValueError(f"this referral is {locked.status}")
    now = timezone.now()
    fields = ["status", "last_answer_at", "follow_up_due_at", "follow_up_flagged_at"]
    first_arrival = locked.sent_at is None
    if first_arrival:
        locked.sent_at = now  # an answer proves it arrived
        fields.append("sent_at")
    for step in _IMPLIED[new]:
        field_name = _OUTCOME_FIELDS[step]
        if getattr(locked, field_name) is None:
            setattr(locked, field_name, now)
            fields.append(field_name)
    if new in FINAL:
        locked.concluded_at = now
        fields.append("concluded_at")
    locked.status = new
    locked.last_answer_at = now
    locked.follow_up_flagged_at = None
    locked.follow_up_due_at = None if new in FINAL else now + _follow_up_after()
    if reason.strip():
        locked.outcome = reason.strip()
        fields.append("outcome")
    if remote_reference.strip():
        locked.remote_reference = remote_reference.strip()
        fields.append("remote_reference")
    locked.save(update_fields=fields)
    if first_arrival:
        _action_taken(locked)
    record(
        "referral.outcome",
        actor=acting_user,
        obj=locked,
        detail={"status": new, "reason": reason.strip()},
    )
    return locked


@transaction.atomic
def flag_follow_ups(*, now: datetime | None = None) -> int:
    """Flag sent referrals with no answer by their follow-up date (periodic); returns how many."""
    now = now or timezone.now()
    due = list(
        Referral.objects.select_for_update()
        .filter(follow_up_due_at__lte=now, follow_up_flagged_at__isnull=True)
        .exclude(
            status__in=[
                *FINAL,
                ReferralStatus.HELD,
                ReferralStatus.QUEUED,
                ReferralStatus.CANCELLED,
                ReferralStatus.CLOSED,
            ]
        )
        .values_list("pk", flat=True)
    )
    Referral.objects.filter(pk__in=due).update(follow_up_flagged_at=now)
    for pk in due:
        record("referral.follow_up_due", actor=None, object_type="routing.referral", object_id=pk)
    return len(due)
