"""Analysts' forms: lift an entry, mark a dedicated domain, record a payment or phone indicator."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.feeds.models import EntryKind, FeedList


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (recorded in the audit log)"),
        help_text=_("Why this entry leaves the list before the content is confirmed removed."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DedicatedDomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Domain"),
        help_text=_(
            "The whole domain and every name below it will be blocked, in the DNS zone as well."
            " Only for a domain that exists for abuse material; single pages are blocked by"
            " default."
        ),
        max_length=253,
    )
    reason = forms.CharField(
        label=_("Why the domain is dedicated (recorded in the audit log)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


INDICATOR_CHOICES = [
    (EntryKind.MERCHANT_ID.value, EntryKind.MERCHANT_ID.label),
    (EntryKind.CRYPTO_WALLET.value, EntryKind.CRYPTO_WALLET.label),
    (EntryKind.PHONE.value, EntryKind.PHONE.label),
]


class IndicatorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=INDICATOR_CHOICES)
    value = forms.CharField(
        label=_("Value"),
        help_text=_(
            "The merchant identifier, the wallet address, or the phone number with its"
            " country code."
        ),
        max_length=200,
    )
    network = forms.CharField(
        label=_("Network"),
        help_text=_("Card scheme, payment service or blockchain, e.g. bitcoin (optional)."),
        max_length=60,
        required=False,
    )
    note = forms.CharField(label=_("Where it was found"), max_length=500, required=False)


class ListFilterForm(forms.Form):
    feed_list = forms.ChoiceField(
        label=_("List"), choices=FeedList.choices, required=False, initial=FeedList.BLOCKLIST
    )
    q = forms.CharField(label=_("Contains"), max_length=200, required=False)
