from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts import actions, throttle
from hotline.accounts.models import ClientKind, Organisation, Scope
from hotline.audit.objects import KINDS, kind_for_reference
from hotline.audit.queries import AuditFilter

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


class AuditLogForm(forms.Form):
    """The auditors' filters, all optional, as GET parameters (a filtered view is a link)."""

    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=200,
        help_text=_("A user name, client:<key id> for a machine client, or system."),
    )
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=100,
        validators=[
            RegexValidator(
                r"^[a-z0-9_.:]+\*?$",
                _("Use an action name such as user.login_failed, or a prefix ending in *."),
            )
        ],
        help_text=_("For example user.login_failed, or user.* for every user event."),
    )
    object_kind = forms.ChoiceField(label=_("Object kind"), required=False)
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=100,
        help_text=_("Its number, or a report reference such as HL-4KX9-T2QM."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["object_kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", _("Any kind"))] + [
            (kind.key, kind.label) for kind in KINDS.values()
        ]

    def clean_actor(self) -> str:
        actor: str = self.cleaned_data["actor"].strip()
        # A bare name is a person: that is what an auditor usually has in hand.
        if actor and actor != "system" and ":" not in actor:
            actor = f"user:{actor}"
        return actor

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        text = (cleaned.get("object") or "").strip()
        kind_key = cleaned.get("object_kind") or ""
        cleaned["objects"] = ()
        if kind_key and not text:
            self.add_error("object", _("Type the number or reference of the object."))
        elif text:
            kind = KINDS.get(kind_key) if kind_key else kind_for_reference(text)
            if kind is None:
                self.add_error(
                    "object_kind",
                    _(
                        "Choose the kind of object, or type a report reference such as HL-4KX9-T2QM."
                    ),
                )
            else:
                refs = kind.resolve(text)
                if refs is None:
                    self.add_error(
                        "object",
                        _("No %(kind)s with this number or reference.")
                        % {"kind": str(kind.label).lower()},
                    )
                else:
                    cleaned["objects"] = refs
                    cleaned["object_kind"] = kind.key
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def to_filter(self) -> AuditFilter:
        """The validated filters (call after ``is_valid``)."""
        data = self.cleaned_data

        def start_of(day: Any) -> datetime | None:
            if day is None:
                return None
            return timezone.make_aware(datetime.combine(day, time.min))

        end = data.get("date_to")
        description = {
            "actor": data["actor"],
            "organisation": data["organisation"],
            "action": data["action"],
            "object_kind": data.get("object_kind") or "",
            "object": (data.get("object") or "").strip(),
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": end.isoformat() if end else "",
        }
        return AuditFilter(
            actor=data["actor"],
            organisation=data["organisation"].strip(),
            action=data["action"],
            objects=data["objects"],
            since=start_of(data.get("date_from")),
            until=start_of(end + timedelta(days=1)) if end else None,
            description=description,
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
