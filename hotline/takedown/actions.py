"""Every write of the takedown app: timelines, notices and their repeats, liveness results."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.cases.actions import close_item, mark_action_taken
from hotline.cases.events import ItemAssessed
from hotline.cases.models import Assessment, CloseReason, Item, ItemStatus
from hotline.outbox.actions import enqueue
from hotline.outbox.events import MessageDelivered
from hotline.routing.actions import mark_sent
from hotline.routing.engine import final_assessment
from hotline.routing.events import (
    PartnerReportedRemoval,
    ReferralCancelled,
    ReferralDelivered,
)
from hotline.routing.federation.actions import tell_origin_of_removal
from hotline.routing.models import Destination, Referral
from hotline.takedown.events import RemovalConfirmed, removal_confirmed
from hotline.takedown.models import (
    LivenessCheck,
    LivenessOutcome,
    Notice,
    NoticeItem,
    NoticeStatus,
    Timeline,
)

TIMELINE_STEPS = (
    "assessed_at",
    "police_referred_at",
    "partner_forwarded_at",
    "notice_sent_at",
    "first_seen_offline_at",
    "removed_at",
)


def timeline_of(item: Item) -> Timeline:
    timeline, _ = Timeline.objects.get_or_create(
        item=item, defaults={"received_at": item.first_reported_at}
    )
    return timeline


def note_step(item: Item, step: str, *, when: datetime | None = None, source: str = "") -> None:
    """Record the first time a step of the item's life happened (later repeats keep the first)."""
    if step not in TIMELINE_STEPS:
        raise ValueError(f"unknown timeline step {step!r}")
    timeline = timeline_of(item)
    if getattr(timeline, step) is None:
        setattr(timeline, step, when or timezone.now())
        fields = [step]
        if step == "removed_at" and source:
            timeline.removal_source = source[:100]
            fields.append("removal_source")
        timeline.save(update_fields=fields)


# --- notices -------------------------------------------------------------------------------


def repeat_interval() -> timedelta:
    return timedelta(hours=settings.TAKEDOWN_REPEAT_HOURS)


@transaction.atomic
def add_to_notice(item: Item, *, referral: Referral) -> Notice:
    """Put an item on the hosting provider's next notice.

    Items referred before the periodic sender runs go out together, in one e-mail to
    the abuse contact; an item referred after a notice went out starts a new notice,
    so every notice keeps its own 24-hour repeat cadence.
    """
    provider = referral.hosting_provider
    if provider is None:
        raise ValueError("a notice needs a hosting provider with an abuse contact")
    notice = (
        Notice.objects.select_for_update()
        .filter(hosting_provider=provider, status=NoticeStatus.OPEN, first_sent_at__isnull=True)
        .first()
    )
    if notice is None:
        notice = Notice.objects.create(hosting_provider=provider, next_send_at=timezone.now())
    NoticeItem.objects.get_or_create(notice=notice, item=item, defaults={"referral": referral})
    return notice


def xarf_report_id(notice: Notice, item: Item) -> str:
    """Stable across the repeats of one notice, so the provider sees one incident per URL."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.BASE_URL}/notice/{notice.pk}/item/{item.pk}")
    )


def _classification(assessment: Assessment | None) -> str:
    if assessment is not None and assessment.scheme == "ncmec" and assessment.severity:
        return assessment.severity
    return "baseline"


DEMO_REPORTER_DOMAIN = "hotline.example.test"


def xarf_reporter_domain() -> str:
    """This instance's public host name (from ``HOTLINE_BASE_URL``) for XARF's required
    ``reporter.domain``; raises ``ImproperlyConfigured`` when the address is not one a
    hosting provider can look up (the default ``127.0.0.1``), rather than sending loopback."""
    from hotline.takedown.xarf import reporter_domain

    try:
        return reporter_domain(settings.BASE_URL)
    except ValueError as exc:
        if settings.DEMO:
            # A demo instance on a laptop has no public name; its notices only ever reach the
            # demo's own reserved addresses, so a reserved name keeps `make run` working.
            return DEMO_REPORTER_DOMAIN
        raise ImproperlyConfigured(
            f"HOTLINE_BASE_URL: takedown notices need this instance's public host name for "
            f"the XARF reporter.domain, as in https://hotline.example.test ({exc})"
        ) from None


def _xarf_attachment(item: Item, notice: Notice, *, reporter_domain: str) -> dict[str, str]:
    # Imported here, not for a cycle: xarf loads jsonschema, whose format checkers take
    # seconds to import, and every process (web, worker, scheduler) would pay that at start.
    from hotline.takedown.xarf import build_csam_report

    observation = item.hosting_trace.observations.first() if item.hosting_trace else None
    assessment = final_assessment(item)
    # The analyst's verdict verified the material: when a supervisor had to confirm it
    # (four-eyes), verification is complete at the confirmation.
    verified_at = (assessment.confirmed_at or assessment.created_at) if assessment else None
    report = build_csam_report(
        report_id=xarf_report_id(notice, item),
        url=item.canonical_url,
        source_identifier=str(observation.ip) if observation else item.host,
        timestamp=item.first_reported_at,
        reporter_org=settings.INSTANCE_NAME,
        reporter_contact=settings.TAKEDOWN_REPLY_TO,
        reporter_domain=reporter_domain,
        verified_at=verified_at,
        classification=_classification(assessment),
        asn=observation.asn if observation and observation.asn else None,
        country_code=observation.country if observation and observation.country else None,
        hashes={k: v for k in ("md5", "sha1", "sha256") if (v := getattr(item, k))} or None,
    )
    return {
        "filename": f"xarf-{report['report_id']}.json",
        "mimetype": "application/json",
        "content": base64.b64encode(json.dumps(report, indent=1).encode()).decode(),
    }


def notice_payload(
    notice: Notice, pending: list[NoticeItem], *, repeat: int, escalate: bool, reporter_domain: str
) -> dict[str, Any]:
    """The outbox e-mail payload of one send of a notice: subject, text and one XARF
    attachment per item still online (what ``send_notice`` queues, and what the notice page
    previews before the first send)."""
    from hotline.takedown.xarf import NoticeLine, notice_email  # slow import: see above

    subject, body = notice_email(
        provider_name=notice.hosting_provider.name,
        items=[
            NoticeLine(
                url=ni.item.canonical_url,
                first_reported_at=ni.item.first_reported_at,
                # The reference quoted in the text names the item's XARF attachment.
                report_id=xarf_report_id(notice, ni.item),
            )
            for ni in pending
        ],
        repeat=repeat,
        instance_name=settings.INSTANCE_NAME,
        reply_to=settings.TAKEDOWN_REPLY_TO,
        escalated=escalate,
        repeat_every_hours=settings.TAKEDOWN_REPEAT_HOURS,
    )
    payload: dict[str, Any] = {
        "subject": subject,
        "body": body,
        "headers": {"Reply-To": settings.TAKEDOWN_REPLY_TO},
        "attachments": [
            _xarf_attachment(ni.item, notice, reporter_domain=reporter_domain) for ni in pending
        ],
    }
    if escalate and settings.TAKEDOWN_ESCALATION_EMAIL:
        payload["cc"] = [settings.TAKEDOWN_ESCALATION_EMAIL]
    return payload


def escalates(notice: Notice, repeat: int) -> bool:
    """Whether send number ``repeat`` (0 = the first) of ``notice`` is its escalation."""
    return repeat >= settings.TAKEDOWN_ESCALATE_AFTER and notice.escalated_at is None


@transaction.atomic
def send_notice(notice: Notice) -> bool:
    """Send (or repeat) a notice for every item on it that is still online. False if none are."""
    reporter_domain = xarf_reporter_domain()  # before anything is written
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    pending = list(
        locked.notice_items.filter(removed_at__isnull=True)
        .select_related("item")
        .order_by("added_at")
    )
    if not pending:
        _close_notice(locked)
        return False
    now = timezone.now()
    repeat = locked.send_count
    escalate = escalates(locked, repeat)
    payload = notice_payload(
        locked, pending, repeat=repeat, escalate=escalate, reporter_domain=reporter_domain
    )
    enqueue("email", locked.hosting_provider.abuse_email, payload, related=locked)
    locked.send_count = repeat + 1
    locked.last_sent_at = now
    locked.first_sent_at = locked.first_sent_at or now
    locked.next_send_at = now + repeat_interval()
    fields = ["send_count", "last_sent_at", "first_sent_at", "next_send_at"]
    if escalate:
        locked.escalated_at = now
        fields.append("escalated_at")
    locked.save(update_fields=fields)
    # The timeline's notice_sent_at, the referrals' "sent" and the items' "action taken"
    # wait for the outbox to deliver the e-mail: note_notice_delivered.
    record(
        "notice.send",
        actor=None,
        obj=locked,
        detail={"items": [ni.item_id for ni in pending], "repeat": repeat, "escalated": escalate},
    )
    return True


def send_due_notices() -> int:
    """Send every notice that is due (first sends and 24-hourly repeats)."""
    due = Notice.objects.filter(
        status=NoticeStatus.OPEN, next_send_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(send_notice(Notice(pk=pk)) for pk in list(due))


def _close_notice(notice: Notice) -> None:
    if notice.status != NoticeStatus.CLOSED:
        notice.status = NoticeStatus.CLOSED
        notice.closed_at = timezone.now()
        notice.save(update_fields=["status", "closed_at"])
        record("notice.close", actor=None, obj=notice)


# --- liveness and removal ------------------------------------------------------------------


@transaction.atomic
def record_liveness(
    item: Item,
    *,
    outcome: str,
    status_code: int | None = None,
    final_url: str = "",
    detail: str = "",
    checked_at: datetime | None = None,
) -> LivenessCheck:
    """Store one liveness check. Gone at least twice in a row, the first and last at least
    ``TAKEDOWN_CONFIRM_REMOVAL_MINUTES`` apart, means removed (dated from the first)."""
    LivenessOutcome(outcome)
    now = checked_at or timezone.now()
    check = LivenessCheck.objects.create(
        item=item,
        checked_at=now,
        outcome=outcome,
        status_code=status_code,
        final_url=final_url[:2048],
        detail=detail[:500],
    )
    if outcome == LivenessOutcome.GONE:
        streak = _gone_streak(item)
        note_step(item, "first_seen_offline_at", when=streak[0])
        confirm_after = timedelta(minutes=settings.TAKEDOWN_CONFIRM_REMOVAL_MINUTES)
        if len(streak) >= 2 and now - streak[0] >= confirm_after:
            confirm_removed(item, when=streak[0], source="liveness checks")
    return check


def _gone_streak(item: Item) -> list[datetime]:
    """The times of the current run of 'gone' checks, oldest first ('error' checks do not
    break a run; anything else does)."""
    streak: list[datetime] = []
    for check in (
        LivenessCheck.objects.filter(item=item)
        .exclude(outcome=LivenessOutcome.ERROR)
        .order_by("-checked_at")
    ):
        if check.outcome != LivenessOutcome.GONE:
            break
        streak.append(check.checked_at)
    return streak[::-1]


@transaction.atomic
def confirm_removed(
    item: Item, *, when: datetime | None = None, source: str, acting_user: object = None
) -> None:
    """The content is gone: close the item as removed, stop its notices, tell whoever must know
    (``removal_confirmed``)."""
    when = when or timezone.now()
    note_step(item, "first_seen_offline_at", when=when)
    note_step(item, "removed_at", when=when, source=source)
    NoticeItem.objects.filter(item=item, removed_at__isnull=True).update(removed_at=when)
    for notice in Notice.objects.filter(
        notice_items__item=item, status=NoticeStatus.OPEN
    ).distinct():
        if not notice.notice_items.filter(removed_at__isnull=True).exists():
            _close_notice(notice)
    if item.status != ItemStatus.CLOSED:
        close_item(item, reason=CloseReason.REMOVED, acting_user=acting_user)  # type: ignore[arg-type]
    removed_at = timeline_of(item).removed_at or when
    removal_confirmed.send(RemovalConfirmed(item=item, removed_at=removed_at, source=source))


# --- listeners (connected in hotline.site.pipeline) ----------------------------------------


def note_assessed(event: ItemAssessed) -> None:
    """Listens to ``item_assessed``: the timeline's ``assessed_at``."""
    note_step(event.item, "assessed_at", when=event.assessment.created_at)


_SENT_STEPS = {
    Destination.POLICE: "police_referred_at",
    Destination.INTERPOL: "police_referred_at",
    Destination.PARTNER: "partner_forwarded_at",
}


def note_referral_delivered(event: ReferralDelivered) -> None:
    """Listens to ``referral_delivered``: a police referral or partner forward whose message
    was delivered is a step of the item's timeline, at the delivery time."""
    referral = event.referral
    step = _SENT_STEPS.get(Destination(referral.destination))
    if step is not None and referral.item_id is not None:
        note_step(referral.online_item, step, when=referral.sent_at)


NOTICE_MESSAGE = "takedown.notice"  # ``related_type`` of the notice e-mails in the outbox


@transaction.atomic
def note_notice_delivered(event: MessageDelivered) -> None:
    """Listens to ``outbox.message_delivered``: a notice e-mail reached the provider's mail
    server, so the items still on it have their ``notice_sent_at`` (the first delivery's
    time), their notice referrals become *sent* at the delivery time, and the items are
    "action taken"."""
    message = event.message
    if message.related_type != NOTICE_MESSAGE or not message.related_id.isdigit():
        return
    at = message.delivered_at or timezone.now()
    on_notice = list(
        NoticeItem.objects.filter(notice_id=int(message.related_id), removed_at__isnull=True)
        .select_related("item")
        .order_by("added_at")
    )
    for ni in on_notice:
        note_step(ni.item, "notice_sent_at", when=at)
    mark_sent([ni.referral_id for ni in on_notice if ni.referral_id], at=at)
    for ni in on_notice:
        mark_action_taken(ni.item)


def drop_cancelled_notice(event: ReferralCancelled) -> None:
    """Listens to ``referral_cancelled``: a cancelled notice leaves the notice that has not
    gone out yet."""
    NoticeItem.objects.filter(referral=event.referral, notice__first_sent_at__isnull=True).delete()


def confirm_partner_removal(event: PartnerReportedRemoval) -> None:
    """Listens to ``partner_reported_removal``: the partner's word closes the item as removed."""
    confirm_removed(event.item, when=event.at, source=event.source)


def tell_partners_of_removal(event: RemovalConfirmed) -> None:
    """Listens to ``removal_confirmed``: a partner that forwarded the item learns when it was
    removed (federation's ``status: removed``)."""
    tell_origin_of_removal(event.item, removed_at=event.removed_at)
