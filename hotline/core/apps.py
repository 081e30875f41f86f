from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    verbose_name = _("Operations")
    name = "hotline.core"
    label = "core"

    def ready(self) -> None:
        from datetime import timedelta

        from django.conf import settings

        from hotline.core import checks  # noqa: F401  (registers the production checks)
        from hotline.core.schedule import register_periodic
        from hotline.core.tasks import (
            check_alerts,
            integrate_audit_log,
            prune_platform_state,
            verify_audit_chain,
        )

        register_periodic("core.prune", every=timedelta(hours=6), task=prune_platform_state)
        # In the scheduler, not a worker: "no worker is alive" must be noticed without one.
        register_periodic(
            "core.alerts",
            every=timedelta(seconds=settings.ALERTS_CHECK_SECONDS),
            task=check_alerts,
            in_scheduler=True,
        )
        # The audit log's sequencer, in the scheduler: one process, short batches, and events
        # are placed (and signed) within seconds of their commit even with every worker busy.
        register_periodic(
            "audit.integrate",
            every=timedelta(seconds=settings.AUDIT_SEQUENCE_SECONDS),
            task=integrate_audit_log,
            in_scheduler=True,
        )
        if "audit_chain" in settings.ALERTS_KINDS:
            register_periodic(
                "core.audit_verify",
                every=timedelta(hours=settings.ALERTS_AUDIT_VERIFY_HOURS),
                task=verify_audit_chain,
            )
