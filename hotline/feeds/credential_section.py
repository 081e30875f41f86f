"""The TAXII collections part of the credential pages (``hotline.accounts.sections``).

Registers itself on import (imported from ``FeedsConfig.ready``)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import ApiCredential, StrOrPromise, User
from hotline.accounts.sections import register_section
from hotline.feeds.actions import subscribe, unsubscribe
from hotline.feeds.models import Collection


class SubscriptionsForm(forms.Form):
    collections = forms.ModelMultipleChoiceField(
        label=_("TAXII collections"),
        queryset=Collection.objects.order_by("alias"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The only collections this client can list and read over TAXII (needs the "
            "feed:taxii scope). The RPZ, URL, hash, payment and phone feeds follow the scopes."
        ),
    )


class FeedSubscriptions:
    """Which TAXII collections a credential subscribes to, chosen beside its scopes."""

    name = "feeds"
    title: StrOrPromise = _("Feed subscriptions")

    def form(self, *, data: QueryDict | None, credential: ApiCredential | None) -> forms.Form:
        initial = {}
        if credential is not None:
            initial["collections"] = list(
                Collection.objects.filter(subscriptions__credential=credential)
            )
        return SubscriptionsForm(data, prefix=self.name, initial=initial)

    def apply(self, form: forms.Form, *, credential: ApiCredential, acting_user: User) -> None:
        chosen = set(form.cleaned_data["collections"])
        current = set(Collection.objects.filter(subscriptions__credential=credential))
        for collection in sorted(chosen - current, key=lambda c: c.alias):
            subscribe(credential, collection, acting_user=acting_user)
        for collection in sorted(current - chosen, key=lambda c: c.alias):
            unsubscribe(credential, collection, acting_user=acting_user)


SECTION = FeedSubscriptions()
register_section(SECTION)
