"""Hash lists and their entries: what the matching indexes are built from."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HashListSource(models.TextChoices):
    OWN = "own", _("Own assessments")
    PARTNER = "partner", _("Partner hotline")
    IMPORTED = "imported", _("Imported file")


class TrustLevel(models.IntegerChoices):
    """How far a match from this list may be relied on without a fresh look."""

    LOW = 1, _("Low: a hint, always assessed")
    MEDIUM = 2, _("Medium: confirm the classification")
    HIGH = 3, _("High: verified by a trusted source")


class HashList(models.Model):
    """A named set of known hashes with where it came from and how far it is trusted.

    ``category_mapping`` maps the list's own category labels (as stored on its
    entries, e.g. VICS ``"1"``) to our classification (e.g. ``"baseline"``).
    ``revision`` rises whenever entries are removed or the list is switched
    off or on, so index workers know to reconcile it.
    """

    name = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=16, choices=HashListSource.choices)
    trust_level = models.PositiveSmallIntegerField(
        choices=TrustLevel.choices, default=TrustLevel.MEDIUM
    )
    enabled = models.BooleanField(default=True)
    category_mapping = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hash list")
        verbose_name_plural = _("hash lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def classification_for(self, category: str) -> str:
        """Our classification for one of this list's categories ('' when unmapped)."""
        return str(self.category_mapping.get(category, ""))


class HashEntry(models.Model):
    """One known hash in one list, with its provenance.

    ``value`` is lowercase hex; ``algorithm`` names a registered hash algorithm
    (see ``hotline.matching.hashing``), so adding an algorithm needs no migration.
    """

    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="entries")
    algorithm = models.CharField(max_length=16)
    value = models.CharField(max_length=128, db_index=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    category = models.CharField(max_length=64, blank=True)
    # Provenance: which file and format, where in it, the source's own reference.
    source_file = models.CharField(max_length=300, blank=True)
    source_format = models.CharField(max_length=16, blank=True)
    source_location = models.CharField(max_length=100, blank=True)
    source_reference = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hash entry")
        verbose_name_plural = _("hash entries")
        constraints = [
            models.UniqueConstraint(
                fields=["hash_list", "algorithm", "value"], name="matching_entry_unique_in_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.value}"


class MediaFile(models.Model):
    """An uploaded file, encrypted at rest, with its blurred greyscale preview.

    Only where the instance enables uploads; purged after the retention period
    (the hashes stay on the item). Nothing here holds plaintext.
    """

    item = models.ForeignKey("cases.Item", on_delete=models.CASCADE, related_name="media_files")
    stored_name = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=50)
    nonce = models.BinaryField(max_length=12)
    preview_key_id = models.CharField(max_length=50, blank=True)
    preview_nonce = models.BinaryField(max_length=12, null=True)
    media_type = models.CharField(max_length=50)
    size = models.BigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.CharField(max_length=200, help_text="user:<name> or client:<key id>")
    purge_after = models.DateTimeField(db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"media {self.pk} of item {self.item_id}"

    @property
    def has_preview(self) -> bool:
        return self.preview_nonce is not None and self.purged_at is None


class SelfSubmissionState(models.TextChoices):
    """Where a hash-only removal request stands (what its receipt's status page says)."""

    DISTRIBUTED = "distributed", _("Shared with participating platforms")
    HELD = "held", _("Held for a check by our staff")
    REJECTED = "rejected", _("Not shared after a check by our staff")
    WITHDRAWN = "withdrawn", _("Withdrawn by the person who sent it")


class SelfSubmission(models.Model):
    """A hash-only removal request from the person depicted (or a parent): the hashes of their
    own photos and videos, computed on their device. Nothing else: no file, no name, no address.

    ``secret_hash`` is empty when no receipt was asked for (then it cannot be withdrawn or
    followed). The list these files form is "submitted by the person depicted; unverified".
    """

    reference = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=12, choices=SelfSubmissionState.choices)
    held_reason = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.reference


class SubmittedMedia(models.TextChoices):
    IMAGE = "image", _("Photo")
    VIDEO = "video", _("Video")


class SelfSubmittedFile(models.Model):
    """The hashes of one photo or video of a self-submission (never the file itself).

    ``vpdq`` holds a video's frame hashes as ``[[frame_index, seconds, quality, pdq_hex], ...]``,
    one frame per second of video.
    """

    submission = models.ForeignKey(SelfSubmission, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    media = models.CharField(max_length=8, choices=SubmittedMedia.choices)
    md5 = models.CharField(max_length=32)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    vpdq = models.JSONField(default=list, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    allowlisted = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "position"], name="matching_one_file_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}/{self.position} md5:{self.md5}"


class PlatformRemovalReport(models.Model):
    """A participating platform says it matched this file's hashes and removed ``removed``
    items. The receipt's status page shows only the total, never which platform."""

    file = models.ForeignKey(
        SelfSubmittedFile, on_delete=models.CASCADE, related_name="removal_reports"
    )
    credential = models.ForeignKey(
        "accounts.ApiCredential", on_delete=models.PROTECT, related_name="+"
    )
    removed = models.PositiveIntegerField()
    reported_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.removed} removed for file {self.file_id}"


class VpdqFrame(models.Model):
    """One sampled frame of a video known to a hash list: its PDQ hash and quality (vPDQ).

    A video in a list is a ``HashEntry`` with ``algorithm="vpdq"`` whose ``value`` is a
    stable id: the video's MD5 when known, else the MD5 of its canonical vPDQ text
    (:func:`hotline.matching.vpdq.features.vpdq_id`). Its frames, one per sampled second,
    are these rows; matching indexes their PDQ hashes (:mod:`hotline.matching.vpdq.index`).
    """

    entry = models.ForeignKey(HashEntry, on_delete=models.CASCADE, related_name="vpdq_frames")
    frame_number = models.PositiveIntegerField()
    timestamp = models.FloatField(help_text="Seconds from the start of the video")
    pdq = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["entry", "frame_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "frame_number"], name="matching_vpdq_frame_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quality__lte=100), name="matching_vpdq_frame_quality"
            ),
        ]

    def __str__(self) -> str:
        return f"frame {self.frame_number} of {self.entry_id}"


class VideoHash(models.Model):
    """The vPDQ of a video given to us (an upload, an API submission), keyed by its MD5.

    Not a hash list entry: what a file item's enrichment looks up to match the video
    against the lists (matching knows nothing of items; an item names its file by MD5).
    ``features`` is the canonical vPDQ text form, one ``frame,quality,pdq,timestamp``
    line per sampled frame.
    """

    md5 = models.CharField(max_length=32, unique=True)
    features = models.TextField()
    frame_count = models.PositiveIntegerField()
    duration = models.FloatField(help_text="Seconds of video hashed")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"vpdq of {self.md5}"
