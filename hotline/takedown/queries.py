"""Reads of notices: always through these helpers so access rules cannot be forgotten."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff
from hotline.takedown.models import Notice, NoticeItem


def visible_notices(user: User) -> QuerySet[Notice]:
    """Notices this user may read: this hotline's analysts and supervisors see them all."""
    if is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR):
        return Notice.objects.select_related("hosting_provider")
    return Notice.objects.none()


def notice_list(user: User, *, status: str = "") -> QuerySet[Notice]:
    """The notices page: newest first, each with how many items it lists and how many of
    them are still online (one query)."""
    notices = visible_notices(user).annotate(
        item_count=Count("notice_items"),
        online_count=Count("notice_items", filter=Q(notice_items__removed_at__isnull=True)),
    )
    if status:
        notices = notices.filter(status=status)
    return notices.order_by("-created_at", "-pk")


def items_on(notice: Notice) -> QuerySet[NoticeItem]:
    return notice.notice_items.select_related("item", "referral").order_by("added_at")


def notice_of_referral(referral_id: int) -> NoticeItem | None:
    """The notice a notice referral's item is on (the newest, if several)."""
    return (
        NoticeItem.objects.filter(referral_id=referral_id)
        .select_related("notice__hosting_provider")
        .order_by("-added_at")
        .first()
    )
