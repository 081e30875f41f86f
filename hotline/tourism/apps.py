from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TourismConfig(AppConfig):
    verbose_name = _("Travel and tourism")
    name = "hotline.tourism"
    label = "tourism"

    def ready(self) -> None:
        from hotline.core.schedule import register_periodic
        from hotline.tourism import packages, tasks  # noqa: F401  (packages registers itself)

        register_periodic(
            "tourism.follow_ups", every=timedelta(hours=6), task=tasks.flag_follow_ups
        )
