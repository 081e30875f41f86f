from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "hotline.feeds"
    label = "feeds"

    def ready(self) -> None:
        from django.conf import settings

        from hotline.core.schedule import register_periodic
        from hotline.feeds import (
            actions,
            credential_section,  # noqa: F401  (registers itself)
            tasks,
        )
        from hotline.routing.destinations import DISPATCHERS, register_dispatcher
        from hotline.routing.models import Destination
        from hotline.takedown.actions import REMOVAL_HOOKS

        register_dispatcher(Destination.BLOCKLIST, actions.blocklist_dispatcher)
        # The hash list destination belongs to matching (its own hash list); the feeds publish
        # the same confirmed file as well, so the dispatcher is chained, not replaced.
        current = DISPATCHERS.get(Destination.HASHLIST)
        if not getattr(current, "publishes_hashes", False):
            register_dispatcher(Destination.HASHLIST, actions.hash_feed_dispatcher(current))
        if actions.unlist_after_removal not in REMOVAL_HOOKS:
            REMOVAL_HOOKS.append(actions.unlist_after_removal)
        minutes = int(settings.FEEDS_PUBLISH_MINUTES)
        register_periodic("feeds.rpz", every=timedelta(minutes=minutes), task=tasks.publish_rpz)
