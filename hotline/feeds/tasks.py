"""Background work of the feeds: thin, idempotent wrappers over actions."""

from __future__ import annotations

from django_tasks import task

from hotline.feeds import actions


@task(queue_name="delivery")
def publish_rpz() -> int:
    """Write the response-policy zone if the blocklist moved on; returns the zone's serial."""
    return actions.publish_rpz_zone().serial
