from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    verbose_name = _("Outbox")
    name = "hotline.outbox"
    label = "outbox"

    def ready(self) -> None:
        # Wiring only: every worker delivers due messages between tasks; the health page,
        # metrics and alerts read the backlog.
        from hotline.core.health import BACKLOG_SOURCES, OUTBOX
        from hotline.core.worker import OUTBOX_LOOP, WORKER_LOOPS
        from hotline.outbox.actions import deliver_due
        from hotline.outbox.queries import backlog

        WORKER_LOOPS.register(OUTBOX_LOOP, deliver_due)
        BACKLOG_SOURCES.register(OUTBOX, backlog)
