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


def _country_codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.replace(" ", ",").split(",") if code.strip()]


class PartnerAddForm(forms.Form):
    """A partner instance to trust: the key it signs with is pinned here, once."""

    name = forms.CharField(label=_("Partner hotline's name"), max_length=200)
    country = forms.CharField(label=_("Its country"), max_length=2, help_text=_("e.g. DE"))
    base_url = forms.URLField(
        label=_("Its address"),
        assume_scheme="https",
        help_text=_("The partner instance's base URL, e.g. https://hotline.example.test"),
    )
    public_key = forms.CharField(
        label=_("Its public key"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_("As 'hotline federation key' prints it on their side (43 characters, or PEM)."),
    )
    key_id = forms.CharField(
        label=_("Key id they read out to you"),
        max_length=200,
        required=False,
        help_text=_(
            "Optional but wise: the fingerprint they confirm over another channel (phone). "
            "A key that does not match it is refused."
        ),
    )
    countries = forms.CharField(
        label=_("Countries it covers"),
        required=False,
        help_text=_(
            "Comma-separated ISO codes whose hosted content goes to this partner "
            "(default: its country)."
        ),
    )

    def clean_countries(self) -> list[str]:
        return _country_codes(self.cleaned_data["countries"])


class PartnerCountriesForm(forms.Form):
    countries = forms.CharField(
        label=_("Countries it covers"),
        help_text=_("Comma-separated ISO 3166-1 alpha-2 codes, e.g. DE, AT"),
    )

    def clean_countries(self) -> list[str]:
        return _country_codes(self.cleaned_data["countries"])


class PartnerKeyForm(forms.Form):
    """A partner's new public key, pinned in place of the old one after an overlap."""

    public_key = forms.CharField(
        label=_("Its new public key"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_("As 'hotline federation key' prints it on their side (43 characters, or PEM)."),
    )
    key_id = forms.CharField(
        label=_("New key id they read out to you"),
        max_length=200,
        required=False,
        help_text=_("Optional but wise: a key that does not match it is refused."),
    )
    overlap_hours = forms.IntegerField(
        label=_("Hours the old key is still accepted"),
        min_value=0,
        max_value=24 * 30,
        initial=24,
        help_text=_(
            "Messages they signed before switching keep arriving meanwhile; 0 retires the old "
            "key at once."
        ),
    )


class PartnerDeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is deactivated"),
        max_length=500,
        help_text=_("Kept in the audit log. Its messages are refused from now on."),
    )
