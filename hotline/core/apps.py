from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"

    def ready(self) -> None:
        from datetime import timedelta

        from hotline.core import checks  # noqa: F401  (registers the production checks)
        from hotline.core.schedule import register_periodic
        from hotline.core.tasks import prune_platform_state

        register_periodic("core.prune", every=timedelta(hours=6), task=prune_platform_state)
