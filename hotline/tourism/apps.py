from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class TourismConfig(AppConfig):
    name = "hotline.tourism"
    label = "tourism"

    def ready(self) -> None:
        from hotline.core.schedule import register_periodic
        from hotline.tourism import packages, tasks  # noqa: F401  (packages registers itself)

        register_periodic(
            "tourism.follow_ups", every=timedelta(hours=6), task=tasks.flag_follow_ups
        )
