from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hotline.accounts.models import User
from hotline.accounts.rules import CASE_ROLES, role_required
from hotline.audit.actions import record
from hotline.outbox.models import OutboxMessage
from hotline.outbox.sent import SentMessage, decode, sent_messages
from hotline.takedown import queries
from hotline.takedown.actions import escalates, notice_payload, xarf_reporter_domain
from hotline.takedown.models import Notice, NoticeStatus

UPCOMING = 4  # repeats listed ahead on the notice page


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@role_required(*CASE_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "")
    if status not in NoticeStatus.values:
        status = ""
    notices = list(queries.notice_list(user, status=status)[:300])
    record("notices.view", actor=user, detail={"shown": len(notices)})
    return render(
        request,
        "takedown/notices.html",
        {"notices": notices, "status": status, "statuses": NoticeStatus.choices},
    )


def schedule(notice: Notice) -> list[tuple[int, datetime, bool]]:
    """The coming sends of an open notice: (send number, when, whether it escalates)."""
    if notice.status != NoticeStatus.OPEN:
        return []
    every = timedelta(hours=settings.TAKEDOWN_REPEAT_HOURS)
    start = (
        max(notice.next_send_at, timezone.now()) if notice.send_count == 0 else notice.next_send_at
    )
    escalated = notice.escalated_at is not None
    rows = []
    for n in range(UPCOMING):
        repeat = notice.send_count + n
        escalates_here = not escalated and repeat >= settings.TAKEDOWN_ESCALATE_AFTER
        escalated = escalated or escalates_here
        rows.append((repeat + 1, start + n * every, escalates_here))
    return rows


def _preview(notice: Notice) -> tuple[SentMessage | None, str]:
    """The e-mail the next send would queue (the items still online), or why none can be
    shown; nothing is written."""
    pending = [ni for ni in queries.items_on(notice) if ni.removed_at is None]
    if not pending or notice.status != NoticeStatus.OPEN:
        return None, ""
    try:
        domain = xarf_reporter_domain()
    except ImproperlyConfigured as exc:
        return None, str(exc)
    payload = notice_payload(
        notice,
        pending,
        repeat=notice.send_count,
        escalate=escalates(notice, notice.send_count),
        reporter_domain=domain,
    )
    draft = OutboxMessage(
        channel="email", destination=notice.hosting_provider.abuse_email, payload=payload
    )
    return decode(draft, draft=True), ""


@role_required(*CASE_ROLES)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = get_object_or_404(queries.visible_notices(user), pk=pk)
    record("notice.view", actor=user, obj=notice)
    preview, preview_problem = _preview(notice)
    return render(
        request,
        "takedown/notice.html",
        {
            "notice": notice,
            "notice_items": list(queries.items_on(notice)),
            "sent": sent_messages(notice),
            "preview": preview,
            "preview_list": [preview] if preview else [],
            "preview_problem": preview_problem,
            "schedule": schedule(notice),
            "repeat_hours": settings.TAKEDOWN_REPEAT_HOURS,
            "escalate_after": settings.TAKEDOWN_ESCALATE_AFTER,
            "escalation_email": settings.TAKEDOWN_ESCALATION_EMAIL,
        },
    )
