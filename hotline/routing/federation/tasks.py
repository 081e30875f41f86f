"""Periodic federation housekeeping: thin wrappers over actions."""

from __future__ import annotations

from django_tasks import task

from hotline.routing.federation.nonces import purge_expired_nonces


@task(queue_name="delivery")
def purge_signature_nonces() -> int:
    """Forget the nonces of signatures that have expired anyway."""
    return purge_expired_nonces()
