from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    verbose_name = _("Routing")
    name = "hotline.routing"
    label = "routing"

    def ready(self) -> None:
        # Wiring only: destinations and federation register themselves on import; routing's
        # listeners are connected in hotline.site.pipeline.
        from hotline.core.schedule import register_periodic
        from hotline.routing import (  # noqa: F401  (destinations registers)
            audit_objects,
            destinations,
            tasks,
        )
        from hotline.routing.federation import wiring  # noqa: F401  (registers on import)

        register_periodic("routing.holds", every=timedelta(minutes=5), task=tasks.release_due_holds)
