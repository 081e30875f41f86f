from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    verbose_name = _("Feeds")
    name = "hotline.feeds"
    label = "feeds"

    def ready(self) -> None:
        # Wiring only: the blocklist destination registers itself; the feeds' listeners are
        # connected in hotline.site.pipeline.
        from django.conf import settings

        from hotline.core.health import register_feed_source
        from hotline.core.schedule import register_periodic
        from hotline.feeds import (  # noqa: F401  (destinations, credential_section register)
            credential_section,
            destinations,
            health,
            tasks,
        )

        register_feed_source("feeds", health.publications)
        minutes = int(settings.FEEDS_PUBLISH_MINUTES)
        register_periodic("feeds.rpz", every=timedelta(minutes=minutes), task=tasks.publish_rpz)
