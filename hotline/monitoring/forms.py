"""Forms: the period filter, legal facts and their import, national targets and evidence."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.monitoring import legal_matrix
from hotline.monitoring.actions import NARRATIVE_MAX_LENGTH
from hotline.monitoring.indicators import INDICATORS, MANUAL, indicator_choices
from hotline.monitoring.legal_matrix import YES_NO, Criterion
from hotline.monitoring.models import Comparison, NarrativeSection
from hotline.monitoring.periods import Period

EARLIEST = date(2000, 1, 1)
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class PeriodForm(forms.Form):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``; both optional (default: the last twelve months)."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        # "from" is a Python keyword, so the fields are added here rather than declared.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                help_text=_("Format 2026-01-31"),
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("Enter a date such as 2026-01-31.")},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        today = timezone.localdate()
        for name, value in (("from", start), ("to", end)):
            if value is not None and not EARLIEST <= value <= today + timedelta(days=366):
                self.add_error(name, _("Enter a date between 2000-01-01 and next year."))
        if start and end and end < start:
            self.add_error("to", _("The end of the period comes before its start."))
        return cleaned

    def period(self) -> Period:
        """The chosen period (call after ``is_valid()``)."""
        start = self.cleaned_data.get("from")
        end = self.cleaned_data.get("to")
        default = Period.last_twelve_months()
        if start is None and end is None:
            return default
        if start is None:
            assert end is not None
            return Period(Period.last_twelve_months(end).start, end)
        return Period(start, end or max(start, default.end))


class LegalFactForm(forms.Form):
    value = forms.CharField(label=_("Value"), required=False)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=1000,
        help_text=_("The law and article, or the publication the value comes from."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    checked_on = forms.DateField(
        label=_("Date checked"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-01-31.")},
    )

    def __init__(self, *args: Any, criterion: Criterion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        if criterion.kind == YES_NO:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"),
                required=False,
                choices=[("", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))],
            )
        else:
            self.fields["value"].widget = forms.Textarea(attrs={"rows": 3})
            self.fields["value"].help_text = str(criterion.help)

    def clean_value(self) -> bool | str | None:
        try:
            return legal_matrix.parse_value(self.criterion, self.cleaned_data.get("value") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "value" in cleaned and not self.errors:
            try:
                legal_matrix.check_fact(
                    self.criterion,
                    cleaned["value"],
                    cleaned.get("source") or "",
                    cleaned.get("checked_on"),
                )
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned


class LegalImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: country, key, value, source, checked_on (and optionally illustrative)."
        ),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


class TargetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    indicator = forms.ChoiceField(label=_("Indicator"))
    parameters = forms.CharField(
        label=_("Indicator parameters (JSON)"),
        required=False,
        help_text=_('e.g. {"days": 3, "scope": "domestic"}; empty for the defaults.'),
    )
    comparison = forms.ChoiceField(label=_("The value must be"), choices=Comparison.choices)
    target_value = forms.DecimalField(label=_("Target value"), max_digits=12, decimal_places=2)
    unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("Empty: the indicator's.")
    )
    start_date = forms.DateField(
        label=_("Start"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    window_days = forms.IntegerField(
        label=_("Measurement window (days)"), min_value=1, max_value=3660, initial=365
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices()  # type: ignore[attr-defined]

    def clean_parameters(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("parameters") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Expected an object such as {"days": 3}.'))
        indicator = INDICATORS.get(self.data.get("indicator", ""))
        if indicator is not None:
            unknown = sorted(set(value) - set(indicator.parameters))
            if unknown:
                raise forms.ValidationError(
                    _("Unknown parameters for this indicator: %(names)s")
                    % {"names": ", ".join(unknown)}
                )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, deadline = cleaned.get("start_date"), cleaned.get("deadline")
        if start and deadline and deadline <= start:
            self.add_error("deadline", _("The deadline must come after the start."))
        if cleaned.get("indicator") == MANUAL and not cleaned.get("unit"):
            cleaned["unit"] = ""
        return cleaned


class EvidenceForm(forms.Form):
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2)
    measured_on = forms.DateField(
        label=_("Measured on"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        help_text=_("What the value rests on: a study, an official statistic, a count."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.CharField(label=_("Source"), max_length=500, required=False)

    def clean_measured_on(self) -> date:
        value: date = self.cleaned_data["measured_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A measurement cannot be dated in the future."))
        return value


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]


class NarrativeForm(forms.Form):
    """The hotline's own sections of one annual report; blank lines separate paragraphs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in NarrativeSection:
            self.fields[section.value] = forms.CharField(
                label=section.label,
                required=False,
                max_length=NARRATIVE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 8}),
                help_text=NARRATIVE_HELP[section],
            )


NARRATIVE_HELP = {
    NarrativeSection.FOREWORD: _("Opens the report: who you are and what this year meant."),
    NarrativeSection.YEAR_IN_BRIEF: _(
        "What stood out: trends, cases you may speak of, changes in how you work."
    ),
    NarrativeSection.PARTNERS: _(
        "Police, industry, partner hotlines, NGOs: what you did together."
    ),
    NarrativeSection.OUTLOOK: _("Plans and needs for next year."),
}
