from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "hotline.matching"
    label = "matching"

    def ready(self) -> None:
        # Wiring only. The own hash list's routing destination is routing's
        # (hotline.routing.destinations): matching knows nothing of cases or routing.
        from hotline.core.schedule import register_periodic
        from hotline.matching.tasks import purge_expired_media

        register_periodic(
            "matching.purge_media", every=timedelta(hours=1), task=purge_expired_media
        )
