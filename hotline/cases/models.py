"""Reports, the items they are about, and assessments of those items."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PUBLIC_WEB = "public_web", _("Public web form")
    COMPANY_API = "company_api", _("Company intake API")
    PARTNER = "partner", _("Partner hotline")
    STAFF = "staff", _("Entered by staff")


class Concern(models.TextChoices):
    CSAM = "csam", _("Child sexual abuse material (images or videos)")
    GROOMING = "grooming", _("Grooming or enticement of a child")
    SEXTORTION = "sextortion", _("Sextortion (threats to share sexual images)")
    TRAFFICKING = "trafficking", _("Child sex trafficking")
    TRAVEL = "travel", _("Sexual exploitation of children by a traveller")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSESSED = "assessed", _("Assessed")
    ACTION_TAKEN = "action_taken", _("Action taken")
    CLOSED = "closed", _("Closed")


class Report(models.Model):
    """One report as received. Public reports keep no IP address, user agent or fingerprint."""

    reference = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    concern = models.CharField(max_length=20, choices=Concern.choices)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    language = models.CharField(max_length=10, blank=True)
    where_found = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    child_in_danger = models.BooleanField(default=False)
    urgent_reason = models.CharField(max_length=500, blank=True)
    # Contact only when the reporter gave it; consent says whether we may use it.
    contact = models.CharField(max_length=254, blank=True)
    consent_to_contact = models.BooleanField(default=False)
    # Machine submissions (company or partner): who sent it and their own identifier.
    submitted_by = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(max_length=200, blank=True)
    incident_type = models.CharField(max_length=50, blank=True)
    incident_time = models.DateTimeField(null=True, blank=True)
    platform = models.CharField(max_length=200, blank=True)
    reported_accounts = models.JSONField(default=list, blank=True)
    annotations = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_report_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class ItemKind(models.TextChoices):
    URL = "url", _("Web address")
    FILE = "file", _("File (hashes)")


class ItemStatus(models.TextChoices):
    NEW = "new", _("Waiting for assessment")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for a supervisor's confirmation")
    ASSESSED = "assessed", _("Assessed")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    REMOVED = "removed", _("Removed")
    UNAVAILABLE = "unavailable", _("Unavailable")
    MOVED = "moved", _("Moved")
    NOT_ILLEGAL = "not_illegal", _("Not illegal")


class Item(models.Model):
    """What is assessed: a web address (deduplicated by canonical URL) or a file known by hashes."""

    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    status = models.CharField(max_length=30, choices=ItemStatus.choices, default=ItemStatus.NEW)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    priority = models.IntegerField(default=0, db_index=True)
    first_reported_at = models.DateTimeField(default=timezone.now)
    last_reported_at = models.DateTimeField(default=timezone.now)
    report_count = models.PositiveIntegerField(default=1)
    # URL items
    canonical_url = models.CharField(max_length=2048, blank=True)
    fetch_url = models.CharField(
        max_length=2048,
        blank=True,
        help_text="The canonical URL with its port, for liveness checks",
    )
    canonical_url_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of canonical_url"
    )
    host = models.CharField(max_length=255, blank=True, db_index=True)
    registrable_domain = models.CharField(max_length=255, blank=True)
    hosting_trace = models.ForeignKey(
        "hosting.HostingTrace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hosting_country = models.CharField(max_length=2, blank=True, db_index=True)
    # File items (hash-only submissions are first-class; media itself is optional)
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    sha1 = models.CharField(max_length=40, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    # Triage signals
    urgent = models.BooleanField(default=False)
    enriched_at = models.DateTimeField(null=True, blank=True)
    known_match = models.JSONField(
        default=dict, blank=True, help_text="Best hash-list match: list, category, provenance"
    )
    # Claiming: one analyst at a time, for a limited time
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "first_reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_url_hash"],
                condition=models.Q(kind="url"),
                name="one_item_per_canonical_url",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "first_reported_at"], name="queue_idx")
        ]

    def __str__(self) -> str:
        return self.canonical_url or self.sha256 or self.md5 or f"item {self.pk}"

    @property
    def label(self) -> str:
        return str(self)


class FileHash(models.Model):
    """A hash a file item is known by, held by that item alone (the oldest, where a file was
    stored twice before this table existed). An item for a new file writes one row per hash
    it has, in the transaction that creates it: another transaction creating an item for the
    same file at the same moment waits on the row and, once the first commits, fails on this
    key and is filed again (then attaching to the first's item). File items need this table
    because they have no unique column: a file may be known by any of three hashes."""

    key = models.CharField(
        max_length=71, primary_key=True, help_text="algorithm:value, e.g. md5:<32 hex digits>"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.key


class ReportItem(models.Model):
    """An item as one report named it (the raw URL stays with the report)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="report_items")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="report_items")
    submitted_value = models.CharField(max_length=4096)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="item_once_per_report")
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.item}"


class Legality(models.TextChoices):
    BASELINE = "baseline", _("Illegal: baseline (illegal everywhere)")
    NATIONAL = "national", _("Illegal under national law")
    DOUBTFUL = "doubtful", _("Doubtful")
    NOT_ILLEGAL = "not_illegal", _("Not illegal")


class AgeGroup(models.TextChoices):
    INFANT = "infant", _("Infant or toddler (0–2)")
    PREPUBESCENT = "prepubescent", _("Prepubescent (3–12)")
    PUBESCENT = "pubescent", _("Pubescent (13–17)")
    UNKNOWN = "unknown", _("Cannot tell")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    BOTH = "both", _("Both")
    UNKNOWN = "unknown", _("Cannot tell")


class SiteType(models.TextChoices):
    IMAGE_HOST = "image_host", _("Image host")
    FILE_HOST = "file_host", _("File host / cyberlocker")
    WEBSITE = "website", _("Website")
    FORUM = "forum", _("Forum or board")
    SOCIAL = "social", _("Social network")
    VIDEO = "video", _("Video platform")
    CHAT = "chat", _("Chat or messaging")
    P2P = "p2p", _("Peer-to-peer")
    OTHER = "other", _("Other")


class ContentType(models.TextChoices):
    IMAGE = "image", _("Images")
    VIDEO = "video", _("Video")
    LIVESTREAM = "livestream", _("Live stream")
    TEXT = "text", _("Text")
    MIXED = "mixed", _("Mixed")


class Confirmation(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Waiting for a supervisor")
    CONFIRMED = "confirmed", _("Confirmed by a supervisor")
    REJECTED = "rejected", _("Rejected by a supervisor")


class Assessment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assessments")
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    legality = models.CharField(max_length=20, choices=Legality.choices)
    scheme = models.CharField(max_length=20, blank=True)
    severity = models.CharField(max_length=20, blank=True)
    severity_rank = models.PositiveSmallIntegerField(default=0)
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    virtual = models.BooleanField(_("virtual or AI-generated"), default=False)
    self_generated = models.BooleanField(default=False)
    commercial = models.BooleanField(default=False)
    payment_method = models.CharField(max_length=200, blank=True)
    child_modelling = models.BooleanField(default=False)
    site_type = models.CharField(max_length=20, choices=SiteType.choices, blank=True)
    content_type = models.CharField(max_length=20, choices=ContentType.choices, blank=True)
    notes = models.TextField(blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="confirmations",
        help_text="The earlier verdict this assessment confirms, if any",
    )
    based_on_match = models.JSONField(default=dict, blank=True)
    confirmation = models.CharField(
        max_length=20, choices=Confirmation.choices, default=Confirmation.NOT_REQUIRED
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_legality_display()} ({self.item})"

    @property
    def is_illegal(self) -> bool:
        return self.legality in (Legality.BASELINE, Legality.NATIONAL)
