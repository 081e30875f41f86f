"""The blocklist lifecycle and what feed consumers may pull.

One table of entries serves every feed. An entry lives from the serial at which it
was added until the serial at which it left (``removed_serial``); rows are never
deleted, so the list as it stood at any serial, and the change between any two
serials, can be read back exactly. Each list has its own monotonic serial.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FeedList(models.TextChoices):
    """The lists that have their own serial."""

    BLOCKLIST = "blocklist", _("Blocklist (web pages and dedicated domains)")
    PAYMENT = "payment", _("Payment identifiers")
    PHONE = "phone", _("Phone numbers")
    HASHES = "hashes", _("Confirmed file hashes")
    SELF_REPORTED = (
        "self_reported",
        _("Hashes submitted by the person depicted (unverified removal requests)"),
    )


class EntryKind(models.TextChoices):
    URL = "url", _("Web page")
    DOMAIN = "domain", _("Dedicated domain")
    MERCHANT_ID = "merchant_id", _("Merchant identifier")
    CRYPTO_WALLET = "crypto_wallet", _("Cryptocurrency wallet address")
    PHONE = "phone", _("Phone number")
    FILE = "file", _("File (hashes)")
    SELF_REPORTED_FILE = "self_reported_file", _("File the person depicted asked to remove")


LIST_OF_KIND: dict[str, str] = {
    EntryKind.URL: FeedList.BLOCKLIST,
    EntryKind.DOMAIN: FeedList.BLOCKLIST,
    EntryKind.MERCHANT_ID: FeedList.PAYMENT,
    EntryKind.CRYPTO_WALLET: FeedList.PAYMENT,
    EntryKind.PHONE: FeedList.PHONE,
    EntryKind.FILE: FeedList.HASHES,
    EntryKind.SELF_REPORTED_FILE: FeedList.SELF_REPORTED,
}


class RemovalReason(models.TextChoices):
    CONTENT_REMOVED = "content_removed", _("Content confirmed removed")
    LIFTED = "lifted", _("Lifted by an analyst")
    WITHDRAWN = "withdrawn", _("Withdrawn by the person who asked for it")


class Serial(models.Model):
    """The current serial of one list; raised by one for every entry added or removed."""

    feed_list = models.CharField(max_length=20, choices=FeedList.choices, unique=True)
    value = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.feed_list} at {self.value}"


class Entry(models.Model):
    """One value on one list, from ``added_serial`` until ``removed_serial`` (exclusive).

    ``value`` is the canonical URL, the domain name, the identifier or the E.164 number (for
    files: the strongest hash). ``value_hash`` is the SHA-256 of the matching key; for the
    blocklist it is the Safe Browsing expression's full hash, published in hashed URL lists.
    """

    feed_list = models.CharField(max_length=20, choices=FeedList.choices)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    value = models.CharField(max_length=2048)
    value_hash = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, help_text=_("Why the entry was listed"))
    item = models.ForeignKey(
        "cases.Item",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feed_entries",
    )
    stix_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    added_serial = models.PositiveBigIntegerField()
    added_at = models.DateTimeField(default=timezone.now)
    removed_serial = models.PositiveBigIntegerField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=20, choices=RemovalReason.choices, blank=True)
    removal_note = models.TextField(blank=True)
    # The entry's STIX indicator, written when it is listed (``stix_added``) and when it leaves
    # (``stix_revoked``, its revoked version), so a TAXII page is a join of stored text:
    # ``stix.stored_indicator`` writes them, ``stix.expand`` restores the constant parts.
    # Empty for kinds not published as STIX (payment and phone indicators).
    stix_added = models.TextField(blank=True, editable=False)
    stix_revoked = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        ordering = ["feed_list", "added_serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value_hash"],
                condition=models.Q(removed_serial__isnull=True),
                name="one_live_feed_entry_per_value",
            ),
            models.UniqueConstraint(
                fields=["feed_list", "added_serial"], name="one_addition_per_serial"
            ),
            models.UniqueConstraint(
                fields=["feed_list", "removed_serial"], name="one_removal_per_serial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    @property
    def live(self) -> bool:
        return self.removed_serial is None


class Tlp(models.TextChoices):
    """Traffic Light Protocol 2.0 levels (FIRST), as STIX 2.1 marking definitions."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Collection(models.Model):
    """A TAXII 2.1 collection: the STIX indicators of one list, under one TLP marking."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alias = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    feed_list = models.CharField(max_length=20, choices=FeedList.choices)
    tlp = models.CharField(max_length=20, choices=Tlp.choices, default=Tlp.AMBER_STRICT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("TAXII collection")
        verbose_name_plural = _("TAXII collections")
        ordering = ["alias"]

    def __str__(self) -> str:
        return self.title


class FeedSubscription(models.Model):
    """A consumer's credential may read this collection (and sees no other)."""

    credential = models.ForeignKey(
        "accounts.ApiCredential", on_delete=models.CASCADE, related_name="feed_subscriptions"
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("feed subscription")
        verbose_name_plural = _("feed subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "collection"], name="one_subscription_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential} → {self.collection}"
