from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class TourismConfig(AppConfig):
    name = "hotline.tourism"
    label = "tourism"

    def ready(self) -> None:
        from hotline.cases.models import Concern
        from hotline.core.schedule import register_periodic
        from hotline.routing.packages import register_report_packager
        from hotline.tourism import tasks
        from hotline.tourism.packages import referral_email

        # Routing sends travel referrals; what they carry is tourism's to say.
        register_report_packager(Concern.TRAVEL, referral_email)
        register_periodic(
            "tourism.follow_ups", every=timedelta(hours=6), task=tasks.flag_follow_ups
        )
