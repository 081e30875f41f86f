"""Reads of case data, always through these helpers so access rules cannot be forgotten."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff
from hotline.cases.models import Assessment, Confirmation, Item, ItemStatus


def visible_items(user: User) -> QuerySet[Item]:
    """Items this user may open: this hotline's analysts and supervisors see them all."""
    if is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR):
        return Item.objects.all()
    return Item.objects.none()


def triage_queue(user: User) -> QuerySet[Item]:
    """Items waiting for assessment, most urgent first; items held by others come last."""
    now = timezone.now()
    held_by_other = Q(claimed_until__gt=now) & ~Q(claimed_by=user)
    return (
        visible_items(user)
        .filter(status=ItemStatus.NEW)
        .exclude(held_by_other)
        .select_related("claimed_by")  # the queue names who holds an item
        .order_by("-priority", "first_reported_at", "pk")
    )


def awaiting_confirmation(user: User) -> QuerySet[Assessment]:
    if not (is_own_hotline_staff(user) and user.has_role(Role.SUPERVISOR)):
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(confirmation=Confirmation.PENDING)
        .select_related("item", "analyst")
        .order_by("created_at")
    )


def earlier_verdicts(item: Item) -> QuerySet[Assessment]:
    return item.assessments.exclude(confirmation=Confirmation.REJECTED).select_related("analyst")
