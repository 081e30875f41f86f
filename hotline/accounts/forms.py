from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hotline.accounts import actions, throttle


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
