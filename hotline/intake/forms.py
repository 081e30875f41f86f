"""Public report forms: work without JavaScript, every message actionable and translated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.cases.models import Concern
from hotline.core.forms import AccessibleForm
from hotline.hosting.canonical import (
    MAX_HOST_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_URL_LENGTH,
    InvalidUrl,
    check_web_address,
)

MAX_URLS = 20

# Why a line is not an address we can act on, in the reporter's language (by InvalidUrl.code).
_URL_PROBLEMS = {
    "scheme": _("Line %(number)d must start with http:// or https://: %(value)s"),
    "host": _("Line %(number)d has no site name with a dot, such as example.com/page: %(value)s"),
    "host_length": _("Line %(number)d has a site name longer than %(limit)d characters: %(value)s"),
    "label_length": _(
        "Line %(number)d has a part of its site name longer than %(limit)d characters: %(value)s"
    ),
    "length": _("Line %(number)d is longer than %(limit)d characters: %(value)s"),
}
_URL_LIMITS = {
    "host_length": MAX_HOST_LENGTH,
    "label_length": MAX_LABEL_LENGTH,
    "length": MAX_URL_LENGTH,
}


class AnonymousReporterForm(AccessibleForm):
    """What every public report form shares: optional contact with consent, and a honeypot.

    Reporters are anonymous unless they choose otherwise; nothing about their connection
    or browser is ever stored (see ``intake.views``).
    """

    contact = forms.CharField(
        label=_("How can we contact you?"),
        help_text=_("An e-mail address or phone number. Optional: you can stay anonymous."),
        max_length=254,
        required=False,
    )
    consent_to_contact = forms.BooleanField(
        label=_("You may contact me about this report"), required=False
    )
    # Honeypot: hidden from people by CSS, labelled for screen readers; bots fill it in.
    # Out of the tab order too: a hidden field must not take the keyboard focus (axe-core's
    # aria-hidden-focus), nor be filled in by the browser's autofill.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Please leave this field empty."))
        return ""

    def clean_contact(self) -> str:
        return str(self.cleaned_data.get("contact", "")).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("consent_to_contact") and not cleaned.get("contact"):
            self.add_error(
                "contact", _("Give an e-mail address or phone number, or untick the consent box.")
            )
        return cleaned


class OnlineReportForm(AnonymousReporterForm):
    urls = forms.CharField(
        label=_("Web addresses"),
        help_text=_(
            "The address of each page, image or video, one per line. Copy it from your browser's address bar."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    concern = forms.ChoiceField(
        label=_("What did you see?"),
        choices=[c for c in Concern.choices if c[0] != Concern.TRAVEL],  # travel has its own form
        widget=forms.RadioSelect,
    )
    where_found = forms.CharField(
        label=_("Where did you find it?"),
        help_text=_(
            "For example a search engine, a link in a chat, a forum or an e-mail. Optional."
        ),
        max_length=500,
        required=False,
    )
    description = forms.CharField(
        label=_("Anything else we should know"),
        help_text=_(
            "Describe what you saw in your own words. Do not send us images or files. Optional."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    child_in_danger = forms.BooleanField(
        label=_("I believe a child is in immediate danger"),
        required=False,
    )

    def clean_urls(self) -> list[str]:
        # The field strips surrounding blank space, so at least one line is left here.
        lines = [line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()]
        if len(lines) > MAX_URLS:
            raise forms.ValidationError(
                _(
                    "Enter at most %(max)d addresses in one report; send the rest in another report."
                ),
                params={"max": MAX_URLS},
            )
        problems = []
        for number, line in enumerate(lines, start=1):
            try:
                check_web_address(line)
            except InvalidUrl as exc:
                message = _URL_PROBLEMS.get(
                    exc.code, _("Line %(number)d is not a web address: %(value)s")
                )
                problems.append(
                    forms.ValidationError(
                        message,
                        code=exc.code,
                        params={
                            "number": number,
                            "value": line[:100],
                            "limit": _URL_LIMITS.get(exc.code, 0),
                        },
                    )
                )
        if problems:
            raise forms.ValidationError(problems)
        return list(dict.fromkeys(lines))


class ReceiptForm(forms.Form):
    reference = forms.CharField(
        label=_("Report reference"), max_length=30, help_text=_("For example HL-4KX9-T2QM")
    )
    secret = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The code you were given with the reference, for example 7WQ3-PM2K-XH9D-4RTA"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
    )
