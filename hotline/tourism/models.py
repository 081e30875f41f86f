"""Travel-and-tourism reports, linked cases, company notices, and The Code's members.

A travel report is a ``cases.Report`` of concern ``travel`` (reference, receipt, status,
contact, consent, language; filed through ``cases.actions.file_report``) with a one-to-one
``TravelReport`` holding what only travel cases have. Its referrals to the police and
partner hotlines are ``routing.Referral`` rows about the report (``Referral.report``), with
their grounds (``routing.models.Ground``), lifecycle and enforcement outcomes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import validate_country
from hotline.routing.models import Referral


class VenueType(models.TextChoices):
    HOTEL = "hotel", _("Hotel, guesthouse or hostel")
    RENTAL = "rental", _("Holiday rental or private room")
    BAR = "bar", _("Bar, club or karaoke")
    RESTAURANT = "restaurant", _("Restaurant or café")
    MASSAGE = "massage", _("Massage or beauty parlour")
    BEACH = "beach", _("Beach")
    STREET = "street", _("Street, park or market")
    ORPHANAGE = "orphanage", _("Orphanage or children's home")
    VOLUNTOURISM = "voluntourism", _("Volunteering project or school (voluntourism)")
    TRANSPORT = "transport", _("Transport (taxi, bus, boat, airport)")
    PRIVATE_HOME = "private_home", _("Private home")
    ONLINE = "online", _("Arranged online or by phone")
    OTHER = "other", _("Somewhere else")


class ChildAge(models.TextChoices):
    UNDER_6 = "under_6", _("Under 6")
    AGE_6_11 = "6_11", _("6 to 11")
    AGE_12_14 = "12_14", _("12 to 14")
    AGE_15_17 = "15_17", _("15 to 17")
    UNKNOWN = "unknown", _("Cannot tell")


class ChildGender(models.TextChoices):
    GIRL = "girl", _("Girl or girls")
    BOY = "boy", _("Boy or boys")
    BOTH = "both", _("Girls and boys")
    UNKNOWN = "unknown", _("Cannot tell")


class TravelReport(models.Model):
    """What a witness of exploitation by a traveller told us (the Report holds the receipt)."""

    report = models.OneToOneField("cases.Report", on_delete=models.CASCADE, related_name="travel")
    # Where
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    city = models.CharField(_("city or area"), max_length=200)
    venue_type = models.CharField(_("kind of place"), max_length=20, choices=VenueType.choices)
    venue_name = models.CharField(_("name of the place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    # When: the local date (and time) as the witness gave it; ``occurred_at`` when the zone is known
    occurred_on = models.DateField(_("date"))
    occurred_time = models.TimeField(_("time"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    # The suspect
    suspect_name = models.CharField(_("name or alias"), max_length=200, blank=True)
    suspect_description = models.TextField(_("description"), blank=True)
    suspect_nationality = models.CharField(
        _("apparent nationality"), max_length=2, blank=True, validators=[validate_country]
    )
    suspect_languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    suspect_vehicle = models.CharField(_("vehicle"), max_length=200, blank=True)
    suspect_plate = models.CharField(_("number plate"), max_length=30, blank=True)
    suspect_lodging = models.CharField(_("hotel and room"), max_length=200, blank=True)
    company_involved = models.CharField(_("company involved"), max_length=200, blank=True)
    # The child or children
    children_count = models.PositiveSmallIntegerField(null=True, blank=True)
    child_age = models.CharField(max_length=10, choices=ChildAge.choices, blank=True)
    child_gender = models.CharField(max_length=10, choices=ChildGender.choices, blank=True)
    child_description = models.TextField(blank=True)
    # Witnesses and evidence (photos are never uploaded through the public form)
    other_witnesses = models.TextField(blank=True)
    holds_photos = models.BooleanField(default=False)
    # The reporter: where they live, and what they agree to
    reporter_country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    willing_to_give_statement = models.BooleanField(default=False)
    # Separate from Report.consent_to_contact: may authorities receive the reporter's identity?
    consent_to_share_identity = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-report__received_at"]

    def __str__(self) -> str:
        return f"{self.report.reference} ({self.country}, {self.city})"

    @property
    def reference(self) -> str:
        return self.report.reference

    @property
    def referrals(self) -> models.QuerySet[Referral]:
        """The referrals of this report (routing owns them)."""
        return Referral.objects.filter(report_id=self.report_id)


class PartnerTravelContact(models.Model):
    """Where travel referrals to a partner hotline are e-mailed (federated forwarding of travel
    reports does not exist yet)."""

    partner = models.OneToOneField(
        "routing.Partner", on_delete=models.CASCADE, related_name="travel_contact"
    )
    email = models.EmailField()

    class Meta:
        verbose_name = _("partner's travel contact")
        verbose_name_plural = _("partners' travel contacts")

    def __str__(self) -> str:
        return f"{self.partner}: {self.email}"


class LinkBasis(models.TextChoices):
    SAME_SUSPECT = "same_suspect", _("Same suspect")
    SAME_VENUE = "same_venue", _("Same place")
    SAME_COMPANY = "same_company", _("Same company")


class CaseLink(models.Model):
    """Two travel reports an analyst confirmed belong together. Reports are never merged."""

    first = models.ForeignKey(TravelReport, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(TravelReport, on_delete=models.CASCADE, related_name="+")
    basis = models.CharField(max_length=20, choices=LinkBasis.choices)
    reason = models.TextField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_link_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="link_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ↔ {self.second_id} ({self.basis})"

    def other(self, travel_report: TravelReport) -> TravelReport:
        return self.second if self.first_id == travel_report.pk else self.first


class CompanyKind(models.TextChoices):
    TOUR_OPERATOR = "tour_operator", _("Tour operator")
    HOTEL = "hotel", _("Hotel or accommodation")
    TRAVEL_AGENT = "travel_agent", _("Travel agent")
    AIRLINE = "airline", _("Airline or transport company")
    CYBER_CAFE = "cyber_cafe", _("Cyber café")
    BOOKING_PLATFORM = "booking_platform", _("Booking platform")
    OTHER = "other", _("Other")


class Company(models.Model):
    """A business of the travel and tourism sector, and whether it is a member of The Code."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CompanyKind.choices)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(
        _("child-protection contact"),
        blank=True,
        help_text=_("Where notices go, once the police have cleared them."),
    )
    code_member = models.BooleanField(_("member of The Code"), default=False)
    member_since = models.DateField(_("member since"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "country"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="one_company_per_name_country")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Criterion(models.TextChoices):
    """The six criteria of The Code of Conduct for the Protection of Children."""

    POLICY = "policy", _("Policy and procedures against child sexual exploitation")
    TRAINING = "training", _("Training of employees")
    CONTRACT_CLAUSE = "contract_clause", _("Clause in contracts with suppliers")
    TRAVELLER_INFORMATION = "traveller_information", _("Information for travellers")
    STAKEHOLDERS = "stakeholders", _("Engaging local stakeholders")
    ANNUAL_REPORTING = "annual_reporting", _("Annual reporting")


class CriterionStatus(models.TextChoices):
    MET = "met", _("Met")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_MET = "not_met", _("Not met")


class CodeAnnualReport(models.Model):
    """A member's report on one year of implementing the six criteria."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField()
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["company", "year"], name="one_code_report_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.year}"


class CriterionAssessment(models.Model):
    """One criterion's status in one annual report, with the evidence that supports it."""

    annual_report = models.ForeignKey(
        CodeAnnualReport, on_delete=models.CASCADE, related_name="criteria"
    )
    criterion = models.CharField(max_length=30, choices=Criterion.choices)
    status = models.CharField(max_length=20, choices=CriterionStatus.choices)
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["annual_report", "criterion"], name="one_status_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.annual_report}: {self.criterion} {self.status}"


class CompanyLink(models.Model):
    """A travel report is about this company: an analyst confirmed it (names alone never link)."""

    travel_report = models.ForeignKey(
        TravelReport, on_delete=models.CASCADE, related_name="company_links"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="travel_links")
    note = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["travel_report", "company"], name="one_link_per_report_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.travel_report_id} → {self.company}"


class NoticeStatus(models.TextChoices):
    HELD = "held", _("Held until the police clear it")
    QUEUED = "queued", _("Cleared, waiting for delivery")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class CompanyNotice(models.Model):
    """A message to a company about a travel report. It waits for a police liaison's clearance,
    so no suspect is warned before the police have decided; once cleared it is *queued* in the
    outbox and becomes *sent* (``sent_at``: the delivery time) only when the company's mail
    server took it."""

    travel_report = models.ForeignKey(
        TravelReport, on_delete=models.CASCADE, related_name="company_notices"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="notices")
    text = models.TextField()
    recipient = models.EmailField()
    status = models.CharField(
        max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.HELD
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["drafted_at", "pk"]

    def __str__(self) -> str:
        return f"notice to {self.company} ({self.status})"
