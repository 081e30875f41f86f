from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hotline.accounts import actions, throttle
from hotline.accounts.models import ClientKind, Organisation, Scope

MAX_OVERLAP_HOURS = int(actions.MAX_OVERLAP.total_seconds() // 3600)


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-ins. Wait a quarter of an hour, or ask an administrator to help."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        assert self.request is not None
        if throttle.is_locked(self.request, username):
            actions.note_password_failure(self.request, username, locked=True)
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            actions.note_password_failure(self.request, username, locked=False)
            raise
        throttle.clear(self.request, username)
        return cleaned


class TOTPForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


# --- machine credentials (administrators) --------------------------------------------------


def _scope_choices() -> list[tuple[str, str]]:
    return [(scope.value, f"{scope.value}: {scope.label}") for scope in Scope]


class CredentialIssueForm(forms.Form):
    """Who gets a token, for what: the scopes are a fixed list, each with what it opens."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_own=False),
        help_text=_("The ISP, company or partner hotline that will use the token."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("What the token is for, e.g. 'resolver cluster Paris'."),
    )
    kind = forms.ChoiceField(label=_("Client kind"), choices=ClientKind.choices)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=_scope_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each scope opens one part of the API; give only what the client needs."),
    )
    once = forms.CharField(widget=forms.HiddenInput)


class CredentialRotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("Overlap (hours)"),
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        initial=0,
        help_text=_(
            "How long the old token keeps working beside the new one (0: it stops at once)."
        ),
    )
    once = forms.CharField(widget=forms.HiddenInput)


class CredentialRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (recorded in the audit log)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
