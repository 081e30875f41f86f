"""Periodic takedown work: thin, idempotent wrappers over actions."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import task

from hotline.cases.models import Item, ItemKind, ItemStatus
from hotline.takedown import actions
from hotline.takedown.liveness import check_url


@task(queue_name="delivery")
def send_due_notices() -> int:
    """First notices and 24-hourly repeats for content still online."""
    return actions.send_due_notices()


def items_due_for_liveness() -> list[int]:
    """Assessed web addresses still open, not checked within the interval."""
    cutoff = timezone.now() - timedelta(minutes=settings.LIVENESS_INTERVAL_MINUTES)
    return list(
        Item.objects.filter(kind=ItemKind.URL, status=ItemStatus.ASSESSED)
        .annotate(last_check=Max("liveness_checks__checked_at"))
        .filter(Q(last_check__isnull=True) | Q(last_check__lt=cutoff))
        .order_by("last_check", "pk")
        .values_list("pk", flat=True)[: settings.LIVENESS_BATCH]
    )


@task(queue_name="enrichment")
def check_liveness(*, item_id: int) -> str:
    """Re-check one item; no response body is kept."""
    item = Item.objects.filter(pk=item_id, kind=ItemKind.URL).first()
    if item is None or item.status == ItemStatus.CLOSED:
        return "skipped"
    # The policy (SSRF rules, proxy) comes from settings; the URL keeps the reported port.
    result = check_url(item.fetch_url or item.canonical_url)
    actions.record_liveness(
        item,
        outcome=result.liveness.value,
        status_code=result.status_code,
        final_url=result.final_url,
        detail=result.detail,
    )
    return result.liveness.value


@task(queue_name="enrichment")
def schedule_liveness_checks() -> int:
    """Enqueue a check for every item due (periodic)."""
    due = items_due_for_liveness()
    for item_id in due:
        check_liveness.enqueue(item_id=item_id)
    return len(due)
