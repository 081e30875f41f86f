from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    verbose_name = _("Monitoring")
    name = "hotline.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from hotline.core.schedule import register_periodic
        from hotline.monitoring.tasks import purge_retention

        # Hourly, because media expires by the hour (this run replaces matching's own media
        # purge, which could not see police holds); the other kinds are counted in days.
        register_periodic("monitoring.retention", every=timedelta(hours=1), task=purge_retention)
