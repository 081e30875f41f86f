from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TakedownConfig(AppConfig):
    verbose_name = _("Takedown")
    name = "hotline.takedown"
    label = "takedown"

    def ready(self) -> None:
        # Wiring only: the notice destination and the item page's timeline register themselves; takedown's listeners are
        # connected in hotline.site.pipeline.
        from hotline.core.schedule import register_periodic
        from hotline.takedown import destinations, panels, tasks  # noqa: F401  (they register)

        register_periodic(
            "takedown.notices", every=timedelta(minutes=5), task=tasks.send_due_notices
        )
        register_periodic(
            "takedown.liveness", every=timedelta(minutes=10), task=tasks.schedule_liveness_checks
        )
