"""Housekeeping tasks of the platform itself."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.audit import proofs
from hotline.audit.actions import integrate_all
from hotline.core.alerts import check_and_send, verify_audit_and_send
from hotline.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)


@task()
def prune_platform_state() -> int:
    """Forget heartbeats of workers gone for a day and successful task results older than a week."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
    deleted, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=7)
    ).delete()
    return deleted


@task()
def check_alerts() -> list[str]:
    """E-mail the platform alerts that hold now (run by the scheduler process itself)."""
    return check_and_send()


@task()
def verify_audit_chain() -> list[str]:
    """Verify the whole audit chain and e-mail an alert when it is broken."""
    return verify_audit_and_send()


@task()
def integrate_audit_log() -> int:
    """Place committed audit events into the Merkle tree and sign the new head (the audit
    log's sequencer; idempotent, and a second one running at once does nothing), then keep
    the published checkpoint (``HOTLINE_AUDIT_CHECKPOINT_FILE``) at the newest head."""
    placed = integrate_all()
    if settings.AUDIT_CHECKPOINT_FILE:
        path = Path(settings.AUDIT_CHECKPOINT_FILE)
        try:
            proofs.publish_checkpoint(path)
        except (OSError, proofs.ProofError, ValueError) as exc:
            # The events are placed and signed whatever happens here; the next run retries.
            log.warning("audit checkpoint not written to %s: %s", path, exc)
    return placed
