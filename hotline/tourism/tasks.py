"""Periodic tourism work (thin wrappers over actions)."""

from __future__ import annotations

from django_tasks import task

from hotline.routing import actions


@task()
def flag_follow_ups() -> int:
    """Flag referrals nobody answered within ``TOURISM_FOLLOW_UP_DAYS`` (routing's action)."""
    return actions.flag_follow_ups()
