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
