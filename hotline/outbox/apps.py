from __future__ import annotations

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "hotline.outbox"
    label = "outbox"

    def ready(self) -> None:
        # Wiring only: every worker delivers due messages between tasks.
        from hotline.core.worker import OUTBOX_LOOP, WORKER_LOOPS
        from hotline.outbox.actions import deliver_due

        WORKER_LOOPS.register(OUTBOX_LOOP, deliver_due)
