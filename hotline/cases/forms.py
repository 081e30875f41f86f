from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.cases.actions import Verdict
from hotline.cases.classification import SCHEMES
from hotline.cases.models import AgeGroup, ContentType, Gender, Legality, SiteType


def severity_choices() -> list[tuple[str, Any]]:
    groups: list[tuple[str, Any]] = [("", _("— none —"))]
    for scheme in SCHEMES.values():
        groups.append(
            (str(scheme.label), [(f"{scheme.code}:{c.code}", c.label) for c in scheme.categories])
        )
    return groups


class AssessmentForm(forms.Form):
    legality = forms.ChoiceField(
        label=_("Legality"), choices=Legality.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=severity_choices, required=False)
    age_group = forms.ChoiceField(
        label=_("Age group"), choices=[("", "—"), *AgeGroup.choices], required=False
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    virtual = forms.BooleanField(label=_("Virtual or AI-generated"), required=False)
    self_generated = forms.BooleanField(label=_("Self-generated"), required=False)
    commercial = forms.BooleanField(label=_("Commercial"), required=False)
    payment_method = forms.CharField(label=_("Payment method seen"), max_length=200, required=False)
    child_modelling = forms.BooleanField(label=_("Child modelling"), required=False)
    site_type = forms.ChoiceField(
        label=_("Site type"), choices=[("", "—"), *SiteType.choices], required=False
    )
    content_type = forms.ChoiceField(
        label=_("Content type"), choices=[("", "—"), *ContentType.choices], required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        illegal = cleaned.get("legality") in (Legality.BASELINE, Legality.NATIONAL)
        if illegal and not cleaned.get("severity"):
            self.add_error("severity", _("Choose a severity for illegal material."))
        if illegal and not cleaned.get("age_group"):
            self.add_error("age_group", _("Choose an age group for illegal material."))
        if cleaned.get("payment_method") and not cleaned.get("commercial"):
            self.add_error("commercial", _("Tick 'Commercial' when you record a payment method."))
        return cleaned

    def verdict(self) -> Verdict:
        data = self.cleaned_data
        scheme, _sep, severity = (data.get("severity") or "").partition(":")
        return Verdict(
            legality=data["legality"],
            scheme=scheme,
            severity=severity,
            age_group=data.get("age_group", ""),
            gender=data.get("gender", ""),
            virtual=data.get("virtual", False),
            self_generated=data.get("self_generated", False),
            commercial=data.get("commercial", False),
            payment_method=data.get("payment_method", ""),
            child_modelling=data.get("child_modelling", False),
            site_type=data.get("site_type", ""),
            content_type=data.get("content_type", ""),
            notes=data.get("notes", ""),
        )


class ConfirmationForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Confirm")), ("reject", _("Reject"))])
    note = forms.CharField(max_length=1000, required=False)
