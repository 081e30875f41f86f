"""Referrals as the auditors' audit log finds them (registered on import)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hotline.audit.objects import ObjectKind, ObjectRef, numeric_id, register_object_kind
from hotline.routing.models import Referral


def resolve_referral(text: str) -> tuple[ObjectRef, ...] | None:
    pk = numeric_id(text)
    if pk is None or not Referral.objects.filter(pk=pk).exists():
        return None
    return (ObjectRef("routing.referral", str(pk)),)


register_object_kind(ObjectKind("referral", _("Referral"), resolve_referral))
