"""Organisations, staff users and API credentials, made by the accounts actions."""

from __future__ import annotations

from typing import Any

import factory

from hotline.accounts import actions
from hotline.accounts.models import ClientKind, Organisation, OrganisationKind, Role, Scope, User

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.Factory[Organisation]):
    """An organisation registered through ``create_organisation`` (audited as in the product)."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.HOTLINE
    country = "FR"
    is_own = False

    @classmethod
    def _create(cls, model_class: type[Organisation], *args: Any, **kwargs: Any) -> Organisation:
        return actions.create_organisation(acting_user=None, **kwargs)


def own_hotline() -> Organisation:
    """This instance's own hotline (FR), created the first time it is asked for."""
    return Organisation.objects.filter(is_own=True).first() or OrganisationFactory.create(
        name="Own hotline", is_own=True
    )


class UserFactory(factory.Factory[User]):
    """A staff user made by ``create_user``; an analyst of this instance's hotline by default."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"analyst{n}")
    password = PASSWORD
    organisation = factory.LazyFunction(own_hotline)
    roles: Any = (Role.ANALYST,)
    email = ""

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return actions.create_user(acting_user=None, **kwargs)


class CredentialFactory(factory.Factory[actions.IssuedCredential]):
    """An API credential issued by ``issue_credential``; the result carries the one-time token."""

    class Meta:
        model = actions.IssuedCredential

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.ISP)
    name = factory.Sequence(lambda n: f"credential {n}")
    kind = ClientKind.FEED_CONSUMER
    scopes: Any = factory.LazyFunction(lambda: [Scope.FEED_URLS])

    @classmethod
    def _create(
        cls, model_class: type[actions.IssuedCredential], *args: Any, **kwargs: Any
    ) -> actions.IssuedCredential:
        return actions.issue_credential(acting_user=None, **kwargs)
