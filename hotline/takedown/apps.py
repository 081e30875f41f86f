from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class TakedownConfig(AppConfig):
    name = "hotline.takedown"
    label = "takedown"

    def ready(self) -> None:
        from hotline.cases.actions import VERDICT_HOOKS
        from hotline.cases.models import Assessment, Item
        from hotline.core.schedule import register_periodic
        from hotline.routing.destinations import register_dispatcher
        from hotline.routing.models import Destination, Referral
        from hotline.takedown import actions, tasks

        def notice(referral: Referral) -> None:
            if referral.hosting_provider_id is not None:
                actions.add_to_notice(referral.online_item, referral=referral)

        def assessed(item: Item, assessment: Assessment) -> None:
            actions.note_step(item, "assessed_at", when=assessment.created_at)

        if not any(getattr(h, "__name__", "") == "assessed" for h in VERDICT_HOOKS):
            VERDICT_HOOKS.insert(0, assessed)
        register_dispatcher(Destination.NOTICE, notice)
        register_periodic(
            "takedown.notices", every=timedelta(minutes=5), task=tasks.send_due_notices
        )
        register_periodic(
            "takedown.liveness", every=timedelta(minutes=10), task=tasks.schedule_liveness_checks
        )
