"""Jurisdictions, the partner directory, routing rules and referrals."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pycountry
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import validate_country

if TYPE_CHECKING:
    from hotline.cases.models import Item


class JurisdictionProfile(models.Model):
    """What routing needs to know about a country. Legal facts are open (filled by the legal
    matrix); the partner hotline comes from the partner directory."""

    country = models.CharField(
        _("country"), max_length=2, unique=True, validators=[validate_country]
    )
    blocking_allowed = models.BooleanField(_("ISP blocking allowed"), default=False)
    police_first = models.BooleanField(
        _("police must clear notices first"),
        default=False,
        help_text=_(
            "Hold notices to hosting providers until the police clear them or the hold ends."
        ),
    )
    police_hold_hours = models.PositiveIntegerField(_("police hold (hours)"), default=0)
    emergency_number = models.CharField(_("emergency number"), max_length=20, blank=True)
    legal_facts = models.JSONField(_("legal facts"), default=dict, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = _("jurisdiction profile")
        verbose_name_plural = _("jurisdiction profiles")
        ordering = ["country"]

    def __str__(self) -> str:
        return self.country_name

    @property
    def country_name(self) -> str:
        entry = pycountry.countries.get(alpha_2=self.country)
        return entry.name if entry else self.country


class PoliceChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    INTERPOL = "interpol", _("INTERPOL channel (via the national central bureau)")
    PORTAL = "portal", _("Police portal (hand delivery by a liaison)")


class PoliceUnit(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="police_units",
        null=True,
        blank=True,
    )
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country])
    email = models.EmailField(blank=True)
    channel = models.CharField(
        max_length=20, choices=PoliceChannel.choices, default=PoliceChannel.EMAIL
    )
    handles_online = models.BooleanField(default=True)
    handles_travel = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("police unit")
        verbose_name_plural = _("police units")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Partner(models.Model):
    """Another Hotline instance (or an INHOPE-style partner) that covers some countries."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="partner"
    )
    base_url = models.URLField(help_text=_("e.g. https://hotline.example.test"))
    key_id = models.CharField(
        max_length=200, unique=True, help_text=_("The key id their signatures carry")
    )
    public_key = models.TextField(help_text=_("Their Ed25519 public key (base64url or PEM)"))
    # The key they used before their last key replacement, still accepted until
    # ``previous_key_expires_at`` so that messages signed while they switch are not refused.
    previous_key_id = models.CharField(max_length=200, blank=True, db_index=True)
    previous_public_key = models.TextField(blank=True)
    previous_key_expires_at = models.DateTimeField(null=True, blank=True)
    countries = models.JSONField(
        default=list, help_text=_("ISO 3166-1 alpha-2 codes this partner covers")
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("partner hotline")
        verbose_name_plural = _("partner hotlines")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name

    def covers(self, country: str) -> bool:
        return country.upper() in self.countries

    def previous_key_valid(self, at: datetime | None = None) -> bool:
        """Whether the key of before the last replacement is still accepted (its overlap)."""
        expires = self.previous_key_expires_at
        return (
            bool(self.previous_key_id) and expires is not None and expires > (at or timezone.now())
        )


class HostingProvider(models.Model):
    """Who to send a notice to. Learnt from RDAP or entered by hand."""

    name = models.CharField(max_length=255)
    abuse_email = models.EmailField()
    country = models.CharField(max_length=2, blank=True)
    asn = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(
        max_length=20, choices=[("rdap", "RDAP"), ("manual", _("Entered by hand"))]
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hosting provider")
        verbose_name_plural = _("hosting providers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["abuse_email"], name="one_provider_per_abuse_email")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.abuse_email}>"


class Condition(models.TextChoices):
    HOSTED_HOME = "hosted_home", _("Hosted in our country")
    HOSTED_PARTNER = "hosted_partner", _("Hosted in a partner's country")
    HOSTED_NO_PARTNER = "hosted_no_partner", _("Hosted where no partner exists")
    HOSTING_UNKNOWN = "hosting_unknown", _("Hosting country unknown")
    ALWAYS = "always", _("Always")


class Destination(models.TextChoices):
    POLICE = "police", _("Referral to our police")
    NOTICE = "notice", _("Notice to the hosting provider")
    PARTNER = "partner", _("Forward to the partner hotline")
    INTERPOL = "interpol", _("Police / INTERPOL channel for the hosting country")
    BLOCKLIST = "blocklist", _("Blocklist entry")
    HASHLIST = "hashlist", _("Hash-list entry")


# The descriptions of the default rules (migration 0002), shown in the reader's language; an
# administrator's own description is shown as written.
DEFAULT_RULE_DESCRIPTIONS = {
    str(text): text
    for text in (
        _("Hosted at home: our police first, then (after any hold) the hosting provider."),
        _("Hosted in a partner's country: the partner hotline acts there."),
        _("No partner there: police/INTERPOL channel plus a direct notice."),
        _("Hosting unknown (CDN, no data): our police; an analyst completes the trace."),
        _("Where classification and law allow: blocklist and hash list."),
    )
}


class RoutingRule(models.Model):
    """When ``condition`` holds for an assessed illegal item, refer it to ``destinations``."""

    position = models.PositiveIntegerField(default=0)
    condition = models.CharField(max_length=30, choices=Condition.choices)
    destinations = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} → {', '.join(self.destinations)}"

    @property
    def destination_labels(self) -> list[str]:
        labels = dict(Destination.choices)
        return [str(labels.get(d, d)) for d in self.destinations]

    @property
    def shown_description(self) -> str:
        return str(DEFAULT_RULE_DESCRIPTIONS.get(self.description, self.description))


class ReferralStatus(models.TextChoices):
    HELD = "held", _("Held (police first)")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTED_ON = "acted_on", _("Acted on")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    # Enforcement outcomes a police unit reports back (travel cases today, any referral may)
    INVESTIGATION_OPENED = "investigation_opened", _("Investigation opened")
    SUSPECT_IDENTIFIED = "suspect_identified", _("Suspect identified")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    NO_ACTION = "no_action", _("No action")


# The enforcement answers an authority gives, in the order a case moves through them, and the
# answers that conclude it.
PROGRESS = (
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.INVESTIGATION_OPENED,
    ReferralStatus.SUSPECT_IDENTIFIED,
    ReferralStatus.CHARGED,
)
FINAL = (ReferralStatus.CONVICTED, ReferralStatus.ACQUITTED, ReferralStatus.NO_ACTION)
OUTCOMES = (*PROGRESS, *FINAL)


class Ground(models.TextChoices):
    """Why a report (not an item) is referred to an authority: its jurisdiction's basis."""

    PLACE_OF_OFFENCE = "place_of_offence", _("Police of the country where it happened")
    SUSPECT_NATIONALITY = "suspect_nationality", _("Police of the suspect's nationality")
    REPORTER_RESIDENCE = "reporter_residence", _("Police of the reporter's country of residence")
    PARTNER_HOTLINE = "partner_hotline", _("Partner hotline of the country where it happened")


class Referral(models.Model):
    """One destination an item or a report was referred to, with its lifecycle and every timestamp.

    A referral is about exactly one of ``item`` (online content: a URL or a file, routed by
    the rules after assessment) or ``report`` (a report with no item, e.g. a travel and
    tourism report, referred as a whole); a check constraint holds exactly one set. A
    report's referral names the ``grounds`` it serves, primary first (one message to one
    police unit may serve the place of the offence and the suspect's nationality at once).

    Lifecycle: held → queued → sent → acknowledged → acted on → closed, or cancelled.
    Enforcement outcomes (investigation opened, suspect identified, charged, then convicted,
    acquitted or no action) are statuses too, each step timestamped; ``concluded_at`` is
    when a final outcome came. A sent referral nobody answers by ``follow_up_due_at`` is
    flagged (``follow_up_flagged_at``) until an answer clears it.
    """

    item = models.ForeignKey(
        "cases.Item", on_delete=models.CASCADE, related_name="referrals", null=True, blank=True
    )
    report = models.ForeignKey(
        "cases.Report", on_delete=models.CASCADE, related_name="referrals", null=True, blank=True
    )
    grounds = models.JSONField(default=list, blank=True)
    destination = models.CharField(max_length=20, choices=Destination.choices)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.QUEUED
    )
    country = models.CharField(max_length=2, blank=True)
    police_unit = models.ForeignKey(PoliceUnit, on_delete=models.PROTECT, null=True, blank=True)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True)
    hosting_provider = models.ForeignKey(
        HostingProvider, on_delete=models.PROTECT, null=True, blank=True
    )
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    # Where the message went (an e-mail address); empty when a liaison hands it over by hand.
    recipient = models.CharField(max_length=254, blank=True)
    # Whether the reporter's identity went with it (only with the reporter's consent).
    identity_shared = models.BooleanField(default=False)
    # Why it cannot go out as planned (no unit known, no address, ...).
    problem = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    hold_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acted_on_at = models.DateTimeField(null=True, blank=True)
    investigation_opened_at = models.DateTimeField(null=True, blank=True)
    suspect_identified_at = models.DateTimeField(null=True, blank=True)
    charged_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_answer_at = models.DateTimeField(null=True, blank=True)
    follow_up_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    follow_up_flagged_at = models.DateTimeField(null=True, blank=True)
    # What the recipient said (for "no action": why)
    outcome = models.TextField(blank=True)
    remote_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "destination", "country"],
                condition=~models.Q(status__in=["cancelled", "closed"]),
                name="one_live_referral_per_destination",
            ),
            models.CheckConstraint(
                condition=models.Q(item__isnull=False, report__isnull=True)
                | models.Q(item__isnull=True, report__isnull=False),
                name="referral_of_item_or_report",
            ),
        ]

    def __str__(self) -> str:
        about = f"item {self.item_id}" if self.item_id else f"report {self.report_id}"
        return f"{self.get_destination_display()} for {about} ({self.status})"

    @property
    def online_item(self) -> Item:
        """The item of an item referral (what dispatchers and federation carry out); a
        referral of a whole report has none, and asking for it is a programming error."""
        if self.item is None:
            raise ValueError(f"referral {self.pk} is about a report, not an item")
        return self.item

    @property
    def primary_ground(self) -> str:
        return self.grounds[0] if self.grounds else ""

    @property
    def primary_label(self) -> str:
        return str(Ground(self.grounds[0]).label) if self.grounds else ""

    @property
    def also_grounds(self) -> list[str]:
        return list(self.grounds[1:])

    @property
    def also_labels(self) -> list[str]:
        return [str(Ground(g).label) for g in self.grounds[1:]]

    @property
    def destination_name(self) -> str:
        if self.police_unit is not None:
            return self.police_unit.name
        if self.partner is not None:
            return str(self.partner)
        return ""

    @property
    def concluded(self) -> bool:
        return self.status in FINAL

    @property
    def needs_follow_up(self) -> bool:
        return self.follow_up_flagged_at is not None


# --- federation (see hotline.routing.federation and docs/federation.md) -----------------------


class FederationMessageType(models.TextChoices):
    FORWARD = "forward", _("Forwarded item")
    ACK = "ack", _("Acknowledgement of a forward")
    STATUS = "status", _("Status of a forwarded item")


class FederationMessage(models.Model):
    """A signed message a partner instance sent us, with the answer it got.

    Partners deliver at least once: the same message id from the same partner gets this
    stored answer again, with no second effect. Only accepted messages are kept.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="received_messages")
    message_id = models.UUIDField()
    type = models.CharField(max_length=20, choices=FederationMessageType.choices)
    key_id = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "message_id"], name="one_federation_message_per_partner_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id} from {self.partner_id}"


class SignatureNonce(models.Model):
    """A (key id, nonce) pair a verified signature used: a second use is a replay.

    Kept until the signature would be refused as expired anyway, then purged.
    """

    key_id = models.CharField(max_length=512)
    nonce = models.CharField(max_length=128)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="one_use_per_signature_nonce")
        ]

    def __str__(self) -> str:
        return f"nonce {self.nonce} of {self.key_id}"


class InboundForward(models.Model):
    """An item a partner forwarded to us: their referral id, and the report it became here.

    ``statuses_sent`` lists the statuses we already told the partner, so each goes once.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="inbound_forwards")
    their_reference = models.CharField(max_length=100)
    report = models.ForeignKey("cases.Report", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        "cases.Item", on_delete=models.CASCADE, related_name="inbound_forwards"
    )
    received_at = models.DateTimeField(default=timezone.now)
    statuses_sent = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "their_reference"], name="one_inbound_forward_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"forward {self.their_reference} from {self.partner_id} (item {self.item_id})"
