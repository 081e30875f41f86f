"""Extension point: parts of the credential pages that belong to higher apps.

The credential pages live here, in accounts, but what else a credential may read is decided
in apps above it (feeds: which TAXII collections a consumer subscribes to). Such an app
registers a ``CredentialSection`` from its ``AppConfig.ready``; the issue page and the detail
page then show its form beside the scopes, and apply it through the app's own actions, so the
administrator chooses everything on one page while accounts imports nothing from above.
"""

from __future__ import annotations

from typing import Protocol

from django import forms
from django.http import QueryDict

from hotline.accounts.models import ApiCredential, StrOrPromise, User


class CredentialSection(Protocol):
    """One part of the credential pages, contributed by a higher app.

    ``name`` is unique and doubles as the form prefix; ``title`` heads the part on the page;
    ``form`` builds the (unbound when ``data`` is None) form, with the credential's current
    choices as initial values; ``apply`` writes the cleaned choices through the owning app's
    actions (audited there), inside the caller's transaction.
    """

    name: str
    title: StrOrPromise

    def form(self, *, data: QueryDict | None, credential: ApiCredential | None) -> forms.Form: ...

    def apply(self, form: forms.Form, *, credential: ApiCredential, acting_user: User) -> None: ...


SECTIONS: dict[str, CredentialSection] = {}


def register_section(section: CredentialSection) -> None:
    """Add a part to the credential pages; a second section of the same name is refused."""
    existing = SECTIONS.get(section.name)
    if existing is not None and existing is not section:
        raise ValueError(f"a credential section named {section.name!r} is already registered")
    SECTIONS[section.name] = section


def registered_sections() -> list[CredentialSection]:
    """The sections in registration order (the order ``ready`` ran in)."""
    return list(SECTIONS.values())
