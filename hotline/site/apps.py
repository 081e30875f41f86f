from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    verbose_name = _("Site")
    name = "hotline.site"
    label = "site"

    def ready(self) -> None:
        # Last in INSTALLED_APPS, so every app's extensions are registered; the pipeline's
        # order is its own, not INSTALLED_APPS'.
        from hotline.site import pipeline

        pipeline.connect()
