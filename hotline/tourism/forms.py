"""Forms of the tourism app: the public travel report (no JavaScript needed) and staff forms."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.intake.forms import AnonymousReporterForm
from hotline.routing.models import OUTCOMES
from hotline.tourism.countries import country_choices
from hotline.tourism.models import (
    ChildAge,
    ChildGender,
    Company,
    CompanyKind,
    Criterion,
    CriterionStatus,
    LinkBasis,
    VenueType,
)

EARLIEST_DATE = date(1900, 1, 1)
_FIVE_PLACES = Decimal("0.00001")


def _time_zone_choices() -> list[tuple[str, Any]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [("", _("Local time of the place")), *((z, z.replace("_", " ")) for z in zones)]


class CountryField(forms.ChoiceField):
    """An ISO 3166-1 alpha-2 code chosen by its name in the reader's language."""

    def __init__(self, *, blank: Any = "—", **kwargs: Any) -> None:
        self.blank = blank
        super().__init__(choices=self._choices_now, **kwargs)

    def _choices_now(self) -> list[tuple[str, str]]:
        return country_choices(str(self.blank))


class TravelReportForm(AnonymousReporterForm):
    # Where
    country = CountryField(
        label=_("Country"), help_text=_("The country where it happened."), blank=_("Choose…")
    )
    city = forms.CharField(label=_("Town, city or area"), max_length=200)
    venue_type = forms.ChoiceField(
        label=_("What kind of place?"), choices=VenueType.choices, widget=forms.RadioSelect
    )
    venue_name = forms.CharField(
        label=_("Name of the place"),
        help_text=_("For example the name of the hotel, bar, beach or project. Optional."),
        max_length=200,
        required=False,
    )
    address = forms.CharField(label=_("Address or directions"), max_length=500, required=False)
    map_point = forms.CharField(
        label=_("Map point"),
        help_text=_(
            "Latitude and longitude from a map app, for example 13.75630, 100.50180. Optional."
        ),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "decimal"}),
    )
    # When
    occurred_on = forms.DateField(
        label=_("Date"),
        help_text=_("The day it happened, in the local time of the place (year-month-day)."),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    occurred_time = forms.TimeField(
        label=_("Time"),
        help_text=_("For example 21:30. Optional."),
        input_formats=["%H:%M", "%H:%M:%S"],
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices, required=False)
    # What was observed
    observed = forms.CharField(
        label=_("What did you see or hear?"),
        help_text=_(
            "Describe what you saw and heard yourself, in the order it happened, and say what "
            "others told you. Do not guess: “I do not know” is a useful answer."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # The suspect
    suspect_name = forms.CharField(label=_("Name or nickname"), max_length=200, required=False)
    suspect_description = forms.CharField(
        label=_("What the person looks like"),
        help_text=_("Age, height, hair, clothes, tattoos: anything you noticed."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suspect_nationality = CountryField(
        label=_("Apparent nationality"),
        help_text=_("Only if you know it or heard it, for example from a passport. Optional."),
        blank=_("I do not know"),
        required=False,
    )
    suspect_languages = forms.CharField(
        label=_("Languages the person spoke"), max_length=200, required=False
    )
    suspect_vehicle = forms.CharField(
        label=_("Vehicle"),
        help_text=_("Kind, make and colour."),
        max_length=200,
        required=False,
    )
    suspect_plate = forms.CharField(label=_("Number plate"), max_length=30, required=False)
    suspect_lodging = forms.CharField(
        label=_("Hotel and room number"), max_length=200, required=False
    )
    company_involved = forms.CharField(
        label=_("Tour operator or other company involved"),
        help_text=_("For example who organised the trip, the hotel or the volunteering agency."),
        max_length=200,
        required=False,
    )
    # The child or children
    children_count = forms.IntegerField(
        label=_("How many children?"), min_value=1, max_value=100, required=False
    )
    child_age = forms.ChoiceField(
        label=_("Apparent age"), choices=[("", "—"), *ChildAge.choices], required=False
    )
    child_gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *ChildGender.choices], required=False
    )
    child_description = forms.CharField(
        label=_("Description of the child or children"),
        help_text=_("What they looked like and wore, and any name you heard."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Witnesses and evidence
    other_witnesses = forms.CharField(
        label=_("Other witnesses"),
        help_text=_(
            "Who else saw it: staff, other guests, a guide. Describe them if you do not know their names."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    holds_photos = forms.BooleanField(
        label=_("I have photos or videos of the suspect, the place or what happened"),
        help_text=_(
            "Do not send them to us and do not share them with anyone. Keep them safe: the "
            "police may ask you for them. Never photograph a child being abused."
        ),
        required=False,
    )
    child_in_danger = forms.BooleanField(
        label=_("A child is in danger right now"),
        help_text=_("As soon as you send this form we show you the emergency number to call."),
        required=False,
    )
    # About the reporter
    reporter_country = CountryField(
        label=_("Country where you live"),
        help_text=_("The police of your country may also be able to act. Optional."),
        required=False,
    )
    willing_to_give_statement = forms.BooleanField(
        label=_("I am willing to give a statement to the police"), required=False
    )
    consent_to_share_identity = forms.BooleanField(
        label=_("You may give my contact details to the police who receive this report"),
        help_text=_(
            "If you leave this unticked, we send the report without your contact details and "
            "pass on any questions ourselves."
        ),
        required=False,
    )

    def clean_occurred_on(self) -> date:
        value: date = self.cleaned_data["occurred_on"]
        # the place may be a day ahead of UTC
        if value > (timezone.now() + timedelta(days=1)).date():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value < EARLIEST_DATE:
            raise forms.ValidationError(_("Enter a date from 1900 onwards."))
        return value

    def clean_map_point(self) -> tuple[Decimal, Decimal] | None:
        raw = self.cleaned_data.get("map_point", "")
        if not raw:
            return None
        parts = [p for p in re.split(r"[,;\s]+", raw.strip()) if p]
        try:
            if len(parts) != 2:
                raise InvalidOperation
            latitude, longitude = (Decimal(p) for p in parts)
            if not (latitude.is_finite() and longitude.is_finite()):
                raise InvalidOperation
        except InvalidOperation:
            raise forms.ValidationError(
                _(
                    "Enter latitude and longitude separated by a comma, for example 13.75630, 100.50180."
                )
            ) from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise forms.ValidationError(
                _("Latitude must be between -90 and 90, longitude between -180 and 180.")
            )
        return (
            latitude.quantize(_FIVE_PLACES, rounding=ROUND_HALF_UP),
            longitude.quantize(_FIVE_PLACES, rounding=ROUND_HALF_UP),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # contact, consent and honeypot: AnonymousReporterForm
        contact = cleaned.get("contact")
        if cleaned.get("consent_to_share_identity") and not contact:
            self.add_error(
                "consent_to_share_identity",
                _("There are no contact details to share: give them above, or untick this box."),
            )
        if cleaned.get("willing_to_give_statement") and not contact:
            self.add_error(
                "willing_to_give_statement",
                _(
                    "To arrange a statement we need a way to reach you: give contact details above, or untick this box."
                ),
            )
        day, moment, zone = (
            cleaned.get("occurred_on"),
            cleaned.get("occurred_time"),
            cleaned.get("time_zone"),
        )
        if day and moment and zone:
            local = datetime.combine(day, moment, tzinfo=zoneinfo.ZoneInfo(zone))
            if local > timezone.now():
                self.add_error("occurred_time", _("This time is in the future."))
        return cleaned


class ReferForm(forms.Form):
    referrals = forms.MultipleChoiceField(
        label=_("Refer to"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one authority.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["referrals"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        field.initial = [key for key, _label in choices]


class OutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[(s.value, s.label) for s in OUTCOMES],
    )
    reason = forms.CharField(
        label=_("Details"),
        help_text=_("Required for “no action”: say why."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remote_reference = forms.CharField(label=_("Your reference"), max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == "no_action" and not str(cleaned.get("reason", "")).strip():
            self.add_error("reason", _("Say why no action is taken."))
        return cleaned


class LinkCaseForm(forms.Form):
    other = forms.CharField(
        label=_("Reference of the other report"),
        help_text=_("For example HL-4KX9-T2QM"),
        max_length=30,
    )
    basis = forms.ChoiceField(label=_("Why they belong together"), choices=LinkBasis.choices)
    reason = forms.CharField(
        label=_("What makes you sure"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_other(self) -> str:
        return str(self.cleaned_data["other"]).strip().upper()


class CompanyLinkForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.all())
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class NoticeForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    text = forms.CharField(
        label=_("Notice"),
        help_text=_(
            "What the company should know and do. Never name the reporter. The notice waits "
            "until a police liaison clears it."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, companies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["company"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = companies


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case is closed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompanyForm(forms.ModelForm):
    country = CountryField(label=_("Country"), blank=_("Choose…"))
    website = forms.URLField(label=_("Website"), assume_scheme="https", required=False)

    class Meta:
        model = Company
        fields = [
            "name",
            "kind",
            "country",
            "website",
            "contact_email",
            "code_member",
            "member_since",
        ]
        widgets = {
            "member_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "kind": forms.Select(choices=CompanyKind.choices),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        missing = not cleaned.get("member_since") and "member_since" not in self.errors
        if cleaned.get("code_member") and missing:
            self.add_error("member_since", _("Give the date the company joined The Code."))
        return cleaned


class AnnualReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year reported on"), min_value=2000)
    received_on = forms.DateField(
        label=_("Received on"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.IntegerField)
        year_field.max_value = timezone.localdate().year
        year_field.validators.append(MaxValueValidator(year_field.max_value))
        for criterion in Criterion:
            self.fields[f"{criterion.value}_status"] = forms.ChoiceField(
                label=criterion.label, choices=CriterionStatus.choices
            )
            self.fields[f"{criterion.value}_evidence"] = forms.CharField(
                label=_("Evidence"),
                max_length=5000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def criteria_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{c.value}_status"], self[f"{c.value}_evidence"]) for c in Criterion]

    def criteria(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            c.value: (data[f"{c.value}_status"], data[f"{c.value}_evidence"].strip())
            for c in Criterion
        }
