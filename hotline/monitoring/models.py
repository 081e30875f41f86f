"""The legal matrix's history, and national targets with the evidence entered by hand.

The legal facts themselves live in ``routing.JurisdictionProfile.legal_facts`` (routing and
tourism referrals read them there); every change to them leaves a ``LegalFactChange``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeVia(models.TextChoices):
    FORM = "form", _("Edited by hand")
    IMPORT = "import", _("CSV import")
    DEMO = "demo", _("Demo data")


class LegalFactChange(models.Model):
    """One change of one legal fact of one country: before, after, who and when."""

    country = models.CharField(_("country"), max_length=2, db_index=True)
    key = models.CharField(_("criterion"), max_length=64)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    old_source = models.TextField(_("old source"), blank=True)
    old_checked_on = models.DateField(_("old date checked"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    checked_on = models.DateField(_("date checked"), null=True, blank=True)
    illustrative = models.BooleanField(_("illustrative demo data"), default=False)
    via = models.CharField(_("how"), max_length=10, choices=ChangeVia.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["country", "key", "-changed_at"], name="legal_change_idx")]

    def __str__(self) -> str:
        return f"{self.country} {self.key} @ {self.changed_at:%Y-%m-%d %H:%M}"


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class NationalTarget(models.Model):
    """A time-bound target: an indicator (computed from the data, or entered by hand with
    evidence) that must reach ``target_value`` by ``deadline``."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    indicator = models.CharField(_("indicator"), max_length=50)
    parameters = models.JSONField(_("indicator parameters"), default=dict, blank=True)
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    target_value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    start_date = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    window_days = models.PositiveIntegerField(
        _("measurement window (days)"),
        default=365,
        help_text=_("Computed indicators are measured over this many days up to today."),
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["archived", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("start_date")),
                name="target_deadline_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class TargetEvidence(models.Model):
    """A value of a hand-entered indicator, with the evidence it rests on."""

    target = models.ForeignKey(NationalTarget, on_delete=models.CASCADE, related_name="evidence")
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    measured_on = models.DateField(_("measured on"))
    evidence = models.TextField(_("evidence"))
    source = models.CharField(_("source"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("target evidence")
        verbose_name_plural = _("target evidence")
        ordering = ["-measured_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.value} on {self.measured_on}"


class NarrativeSection(models.TextChoices):
    """The annual report's sections written by the hotline itself, in the report's order."""

    FOREWORD = "foreword", _("Foreword")
    YEAR_IN_BRIEF = "year_in_brief", _("The year in brief")
    PARTNERS = "partners", _("Working with others")
    OUTLOOK = "outlook", _("Looking ahead")


class ReportNarrative(models.Model):
    """One section of one year's annual report, in the hotline's own words."""

    year = models.PositiveIntegerField(_("year"))
    section = models.CharField(_("section"), max_length=20, choices=NarrativeSection.choices)
    text = models.TextField(_("text"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("report narrative")
        verbose_name_plural = _("report narratives")
        constraints = [
            models.UniqueConstraint(fields=["year", "section"], name="one_narrative_per_section")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.section}"
