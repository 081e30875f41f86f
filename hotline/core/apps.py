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
        from hotline.core.tasks import check_alerts, prune_platform_state, verify_audit_chain

        register_periodic("core.prune", every=timedelta(hours=6), task=prune_platform_state)
        # In the scheduler, not a worker: "no worker is alive" must be noticed without one.
        register_periodic(
            "core.alerts",
            every=timedelta(seconds=settings.ALERTS_CHECK_SECONDS),
            task=check_alerts,
            in_scheduler=True,
        )
        if "audit_chain" in settings.ALERTS_KINDS:
            register_periodic(
                "core.audit_verify",
                every=timedelta(hours=settings.ALERTS_AUDIT_VERIFY_HOURS),
                task=verify_audit_chain,
            )
