"""Periodic routing work."""

from __future__ import annotations

from django_tasks import task

from hotline.routing import actions


@task(queue_name="delivery")
def release_due_holds() -> int:
    """Send referrals whose police hold has ended."""
    return actions.release_due_holds()
