from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "hotline.matching"
    label = "matching"

    def ready(self) -> None:
        from django.utils import timezone

        from hotline.matching.own_list import add_confirmed_hashes
        from hotline.routing.destinations import register_dispatcher
        from hotline.routing.engine import final_assessment
        from hotline.routing.models import Destination, Referral, ReferralStatus

        def hashlist(referral: Referral) -> None:
            assessment = final_assessment(referral.online_item)
            if assessment is None:
                return
            added = add_confirmed_hashes(referral.online_item, assessment)
            now = timezone.now()
            Referral.objects.filter(pk=referral.pk).update(
                status=ReferralStatus.CLOSED,
                sent_at=now,
                closed_at=now,
                outcome=f"added to the own hash list ({added} new hashes)",
            )

        register_dispatcher(Destination.HASHLIST, hashlist)

        # Expired media is purged by the retention run (hotline.monitoring.retention), which
        # knows the items a referral or police hold still needs; matching cannot.
