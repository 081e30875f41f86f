"""Users and API credentials as the auditors' audit log finds them (registered on import)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import ApiCredential, User
from hotline.audit.objects import ObjectKind, ObjectRef, numeric_id, register_object_kind


def resolve_user(text: str) -> tuple[ObjectRef, ...] | None:
    """A user by number or user name (events *about* the user; the actor filter finds
    what the user did)."""
    pk = numeric_id(text)
    user = (
        User.objects.filter(pk=pk).first()
        if pk is not None
        else User.objects.filter(username=text).first()
    )
    return (ObjectRef("accounts.user", str(user.pk)),) if user is not None else None


def resolve_credential(text: str) -> tuple[ObjectRef, ...] | None:
    """A credential by number or key id."""
    pk = numeric_id(text)
    credential = ApiCredential.objects.filter(key_id=text).first()
    if credential is None and pk is not None:
        credential = ApiCredential.objects.filter(pk=pk).first()
    return (ObjectRef("accounts.apicredential", str(credential.pk)),) if credential else None


register_object_kind(ObjectKind("user", _("User"), resolve_user))
register_object_kind(ObjectKind("credential", _("API credential"), resolve_credential))
