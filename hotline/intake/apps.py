from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    verbose_name = _("Intake")
    name = "hotline.intake"
    label = "intake"

    def ready(self) -> None:
        from datetime import timedelta

        from django.core.checks import register

        from hotline.core.schedule import register_periodic
        from hotline.intake import tasks
        from hotline.intake.cybertip import panels  # noqa: F401  (registers the item panel)
        from hotline.intake.help import check_help_resources

        register(check_help_resources)
        # Every 10 minutes: NCMEC's shortest lifetime of an unfinished report is an hour idle.
        register_periodic(
            "intake.cybertip_expiry",
            every=timedelta(minutes=10),
            task=tasks.expire_cybertip_submissions,
        )
