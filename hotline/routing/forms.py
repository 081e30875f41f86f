from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.routing.models import Destination, ReferralStatus

OUTCOME_CHOICES = [
    (ReferralStatus.ACKNOWLEDGED, _("Acknowledged")),
    (ReferralStatus.ACTED_ON, _("Acted on")),
    (ReferralStatus.CLOSED, _("Closed")),
]


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=OUTCOME_CHOICES)
    outcome = forms.CharField(
        label=_("Outcome"),
        help_text=_(
            "What was done, e.g. investigation opened, suspect identified, no action and why."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remote_reference = forms.CharField(label=_("Your reference"), max_length=100, required=False)


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Hosting provider"), max_length=255)
    abuse_email = forms.EmailField(label=_("Its abuse contact (e-mail)"))


class HoldForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Hold until (UTC)"),
        help_text=_("Format 2026-12-24 18:00"),
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class OverrideForm(forms.Form):
    cancel = forms.MultipleChoiceField(
        label=_("Cancel these referrals"), required=False, widget=forms.CheckboxSelectMultiple
    )
    add = forms.ChoiceField(
        label=_("Add a destination"), choices=[("", "—"), *Destination.choices], required=False
    )
    country = forms.CharField(
        label=_("Country for the new destination"), max_length=2, required=False
    )
    reason = forms.CharField(
        label=_("Reason (recorded in the audit log)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, referrals: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cancel"].choices = referrals  # type: ignore[attr-defined]

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country", "")).upper()
