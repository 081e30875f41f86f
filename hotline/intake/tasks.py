"""Periodic jobs of intake (thin wrappers over actions)."""

from __future__ import annotations

from django_tasks import task

from hotline.intake.cybertip.actions import expire_submissions


@task()
def expire_cybertip_submissions() -> int:
    """Delete CyberTipline reports left unfinished past their time."""
    return expire_submissions()
