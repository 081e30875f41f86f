from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "hotline.routing"
    label = "routing"

    def ready(self) -> None:
        from hotline.cases.actions import VERDICT_HOOKS
        from hotline.core.schedule import register_periodic
        from hotline.routing import (
            actions,
            audit_objects,  # noqa: F401  (registers referrals)
            tasks,
        )
        from hotline.routing.federation import register as register_federation

        if actions.route_after_verdict not in VERDICT_HOOKS:
            VERDICT_HOOKS.append(actions.route_after_verdict)
        register_periodic("routing.holds", every=timedelta(minutes=5), task=tasks.release_due_holds)
        register_federation()
