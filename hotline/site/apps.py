from __future__ import annotations

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "hotline.site"
    label = "site"

    def ready(self) -> None:
        # Last in INSTALLED_APPS, so every app's extensions are registered; the pipeline's
        # order is its own, not INSTALLED_APPS'.
        from hotline.site import pipeline

        pipeline.connect()
