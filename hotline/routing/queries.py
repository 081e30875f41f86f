"""Reads of routing data through helpers that apply the access rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff
from hotline.routing.models import Destination, Referral, ReferralStatus, RoutingRule


def visible_referrals(user: User) -> QuerySet[Referral]:
    """A liaison sees the referrals to their police unit(s) and the notices held for their
    country (police first); this hotline's analysts and supervisors see all."""
    # A partner is shown by its organisation's name.
    base = Referral.objects.select_related(
        "item", "police_unit", "partner__organisation", "hosting_provider"
    )
    if is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR):
        return base
    if user.has_role(Role.LAW_ENFORCEMENT_LIAISON) and user.organisation is not None:
        return base.filter(
            Q(police_unit__organisation=user.organisation)
            | Q(
                destination=Destination.NOTICE,
                status=ReferralStatus.HELD,
                country=user.organisation.country,
            )
        )
    return base.none()


def rules() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.all()
