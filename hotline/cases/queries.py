"""Reads of case data, always through these helpers so access rules cannot be forgotten."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff
from hotline.cases.models import Assessment, Confirmation, Item, ItemStatus, ReportItem


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
    """Verdicts waiting for this supervisor's second opinion: never their own (four eyes
    means another person), oldest first, with the item and its hosting trace."""
    if not (is_own_hotline_staff(user) and user.has_role(Role.SUPERVISOR)):
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(confirmation=Confirmation.PENDING)
        .exclude(analyst=user)
        .select_related("item", "analyst", "item__hosting_trace")
        .order_by("created_at")
    )


def earlier_verdicts(item: Item) -> QuerySet[Assessment]:
    return item.assessments.exclude(confirmation=Confirmation.REJECTED).select_related("analyst")


def queue_items(user: User, filters: Mapping[str, str]) -> QuerySet[Item]:
    """The queue under the filters of ``QueueFilterForm.filters`` (status, concern, source,
    hosting country, known-material match, minimum age) in the chosen order. Waiting items
    held by another analyst are left out, as in ``triage_queue``."""
    status = filters.get("status") or ItemStatus.NEW
    items = visible_items(user).filter(status=status).select_related("claimed_by")
    if status == ItemStatus.NEW:
        now = timezone.now()
        items = items.exclude(Q(claimed_until__gt=now) & ~Q(claimed_by=user))
    if filters.get("concern") or filters.get("source"):
        reports = ReportItem.objects.filter(item=OuterRef("pk"))
        if filters.get("concern"):
            reports = reports.filter(report__concern=filters["concern"])
        if filters.get("source"):
            reports = reports.filter(report__channel=filters["source"])
        items = items.filter(Exists(reports))
    if filters.get("country"):
        items = items.filter(hosting_country=filters["country"])
    if filters.get("matched") == "yes":
        items = items.exclude(known_match={})
    elif filters.get("matched") == "no":
        items = items.filter(known_match={})
    age = AGE_LIMITS.get(filters.get("age") or "")
    if age is not None:
        items = items.filter(first_reported_at__lte=timezone.now() - age)
    return items.order_by(*SORT_ORDERS.get(filters.get("sort") or "", SORT_ORDERS["priority"]))


AGE_LIMITS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
SORT_ORDERS: dict[str, tuple[str, ...]] = {
    "priority": ("-priority", "first_reported_at", "pk"),
    "oldest": ("first_reported_at", "pk"),
    "newest": ("-first_reported_at", "-pk"),
    "reports": ("-report_count", "-priority", "pk"),
}


def status_counts(user: User) -> dict[str, int]:
    """How many visible items are in each status (one query), every status present."""
    counts = dict.fromkeys(ItemStatus.values, 0)
    for row in visible_items(user).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def next_item(user: User, filters: Mapping[str, str] | None = None) -> Item | None:
    """The item this analyst should open next: the top of the waiting queue (under the
    queue's filters, if any) that nobody else holds."""
    waiting = dict(filters or {})
    waiting["status"] = ItemStatus.NEW
    return queue_items(user, waiting).first()


def assessment_history(item: Item) -> QuerySet[Assessment]:
    """Every verdict given on the item, newest first, with who gave and who confirmed it."""
    return item.assessments.select_related("analyst", "confirmed_by").order_by("-created_at")
