from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.cases.actions import Verdict
from hotline.cases.classification import SCHEMES, Category, Scheme, get_scheme
from hotline.cases.models import (
    AgeGroup,
    Channel,
    Concern,
    ContentType,
    Gender,
    ItemStatus,
    Legality,
    SiteType,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The one rule for what an illegal verdict must carry. The server enforces it in
# ``AssessmentForm.clean``; the page hands the same rule and the same messages to the browser
# (``data-required-when`` and ``data-missing`` attributes read by ``assess.js``), so the
# keyboard path and the server refuse exactly the same verdicts.
ILLEGAL = (Legality.BASELINE, Legality.NATIONAL)
MISSING: dict[str, StrOrPromise] = {
    "legality": _("Choose the legality."),
    "severity": _("Choose a severity for illegal material."),
    "age_group": _("Choose an age group for illegal material."),
    "commercial": _("Tick 'Commercial' when you record a payment method."),
}

# Keyboard shortcuts (shown on the page, read by assess.js from each input's data-key).
LEGALITY_KEYS = {
    Legality.BASELINE: "b",
    Legality.NATIONAL: "n",
    Legality.DOUBTFUL: "d",
    Legality.NOT_ILLEGAL: "x",
}
AGE_KEYS = {
    AgeGroup.INFANT: "i",
    AgeGroup.PREPUBESCENT: "p",
    AgeGroup.PUBESCENT: "t",
    AgeGroup.UNKNOWN: "u",
}


def instance_scheme() -> Scheme:
    """The one severity scheme this instance assesses in (``HOTLINE_SEVERITY_SCHEME``)."""
    return get_scheme(settings.SEVERITY_SCHEME)


def severity_categories() -> tuple[Category, ...]:
    """The instance scheme's categories of illegal material (rank above 0), mildest last."""
    return tuple(c for c in instance_scheme().categories if c.rank > 0)


def scheme_mappings(category: Category) -> list[tuple[str | Promise, str]]:
    """What ``category`` corresponds to in every other registered scheme (never milder)."""
    own = instance_scheme()
    return [
        (scheme.label, scheme.map_rank(category.rank).code)
        for scheme in SCHEMES.values()
        if scheme.code != own.code
    ]


class KeyedRadioSelect(forms.RadioSelect):
    """Radio buttons whose inputs carry the shortcut key that picks them (``data-key``)."""

    def __init__(self, keys: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys = keys

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        key = self.keys.get(str(option["value"]))
        if key:
            option["attrs"]["data-key"] = key
        return option


def _severity_keys() -> dict[str, str]:
    return {c.code: str(n) for n, c in enumerate(severity_categories(), start=1)}


class AssessmentForm(forms.Form):
    legality = forms.ChoiceField(
        label=_("Legality"),
        choices=Legality.choices,
        widget=KeyedRadioSelect({str(k): v for k, v in LEGALITY_KEYS.items()}),
        error_messages={"required": MISSING["legality"]},
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    age_group = forms.ChoiceField(
        label=_("Age group"),
        choices=AgeGroup.choices,
        required=False,
        widget=KeyedRadioSelect({str(k): v for k, v in AGE_KEYS.items()}),
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
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    # Fields an illegal verdict must carry (marked on the page, checked here and in the browser).
    required_when_illegal = ("severity", "age_group")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        severity = self.fields["severity"]
        assert isinstance(severity, forms.ChoiceField)
        severity.choices = [(c.code, c.label) for c in severity_categories()]
        severity.widget = KeyedRadioSelect(_severity_keys(), choices=severity.choices)
        for name in self.required_when_illegal:
            self.fields[name].widget.attrs["data-required-when"] = " ".join(ILLEGAL)

    @property
    def missing_messages(self) -> dict[str, StrOrPromise]:
        return MISSING

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        illegal = cleaned.get("legality") in ILLEGAL
        for name in self.required_when_illegal:
            if illegal and not cleaned.get(name):
                self.add_error(name, MISSING[name])
        if cleaned.get("payment_method") and not cleaned.get("commercial"):
            self.add_error("commercial", MISSING["commercial"])
        return cleaned

    def verdict(self) -> Verdict:
        data = self.cleaned_data
        illegal = data["legality"] in ILLEGAL
        severity = data.get("severity") or "" if illegal else ""
        return Verdict(
            legality=data["legality"],
            scheme=instance_scheme().code if severity else "",
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
    decision = forms.ChoiceField(choices=[("approve", _("Confirm")), ("reject", _("Return"))])
    note = forms.CharField(max_length=1000, required=False)


# --- the queue's filters -------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters and sort, read from the query string (every field optional)."""

    status = forms.ChoiceField(
        label=_("Status"), choices=ItemStatus.choices, required=False, initial=ItemStatus.NEW
    )
    concern = forms.ChoiceField(
        label=_("Concern"), choices=[("", _("Any")), *Concern.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any")), *Channel.choices], required=False
    )
    country = forms.CharField(
        label=_("Hosting country"),
        max_length=2,
        min_length=2,
        required=False,
        help_text=_("Two letters, e.g. FR"),
    )
    matched = forms.ChoiceField(
        label=_("Known material"),
        choices=[
            ("", _("Any")),
            ("yes", _("Matches a hash list")),
            ("no", _("No match")),
        ],
        required=False,
    )
    age = forms.ChoiceField(
        label=_("Waiting at least"),
        choices=[
            ("", _("Any time")),
            ("1h", _("1 hour")),
            ("24h", _("24 hours")),
            ("7d", _("7 days")),
            ("30d", _("30 days")),
        ],
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("priority", _("Priority")),
            ("oldest", _("Oldest first")),
            ("newest", _("Newest first")),
            ("reports", _("Most reported")),
        ],
        required=False,
    )

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country") or "").strip().upper()
        if value and not value.isalpha():
            raise forms.ValidationError(_("Two letters, e.g. FR"))
        return value

    def filters(self) -> dict[str, str]:
        """The valid filters with their defaults (an invalid form filters nothing)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or ItemStatus.NEW,
            "concern": data.get("concern") or "",
            "source": data.get("source") or "",
            "country": data.get("country") or "",
            "matched": data.get("matched") or "",
            "age": data.get("age") or "",
            "sort": data.get("sort") or "priority",
        }
