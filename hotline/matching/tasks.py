"""Periodic matching work."""

from __future__ import annotations

from django_tasks import task

from hotline.matching.uploads import purge_expired


@task()
def purge_expired_media() -> int:
    """Delete stored media past its retention period (hashes and records stay)."""
    return purge_expired()
