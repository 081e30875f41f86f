"""Organisations, users with roles, TOTP devices and machine-client API credentials."""

from __future__ import annotations

import hashlib
import hmac

import pycountry
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


def validate_country(value: str) -> None:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code."), params={"value": value}
        )


class OrganisationKind(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    ISP = "isp", _("Internet service provider")
    HOSTING_PROVIDER = "hosting_provider", _("Hosting provider")
    INDUSTRY = "industry", _("Industry / electronic service provider")
    NGO = "ngo", _("NGO")
    PAYMENT = "payment", _("Payment company")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    is_own = models.BooleanField(
        _("this instance's organisation"),
        default=False,
        help_text=_("The hotline that runs this instance. Exactly one organisation is marked."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_own"], condition=models.Q(is_own=True), name="one_own_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    SUPERVISOR = "supervisor", _("Supervisor")
    LAW_ENFORCEMENT_LIAISON = "le_liaison", _("Law-enforcement liaison")
    CODE_MONITOR = "code_monitor", _("Code monitor")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )

    def role_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = (
                frozenset(self.roles.values_list("role", flat=True)) if self.pk else frozenset()
            )
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))

    # Django's model permissions follow the administrator role, so the administration pages
    # need no separate permission bookkeeping. Case data is not in those pages at all.
    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        if self.is_active and self.has_role(Role.ADMINISTRATOR):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.has_role(Role.ADMINISTRATOR):
            return True
        return super().has_module_perms(app_label)

    @property
    def audit_label(self) -> str:
        """How the audit log names this person (``hotline.audit.actions.AuditActor``)."""
        return f"user:{self.get_username()}"


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"


class TOTPDevice(models.Model):
    """A user's authenticator (RFC 6238). ``last_counter`` stops a code being used twice."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_counter = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = _("TOTP device")
        verbose_name_plural = _("TOTP devices")

    def __str__(self) -> str:
        return f"authenticator of {self.user}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class Scope(models.TextChoices):
    """What a machine credential may do; each API endpoint names the one scope it requires."""

    INTAKE = "intake", _("Submit reports (company intake)")
    PARTNER = "partner", _("Partner hotline federation")
    FEED_RPZ = "feed:rpz", _("DNS response-policy zone feed")
    FEED_URLS = "feed:urls", _("URL list feed")
    FEED_HASHES = "feed:hashes", _("Hash list feed")
    FEED_SELF_REPORTED = (
        "feed:self_reported",
        _("Self-reported hash list feed (removal requests from the person depicted)"),
    )
    SELF_REPORTED_REMOVALS = (
        "self_reported:removals",
        _("Report removals matched on the self-reported hash list"),
    )
    FEED_TAXII = "feed:taxii", _("STIX/TAXII feed")
    FEED_PAYMENT = "feed:payment", _("Payment indicator feed")
    FEED_PHONE = "feed:phone", _("Phone number feed")
    MATCH = "match", _("Hash matching lookups")
    METRICS = "metrics", _("Prometheus metrics (operators' monitoring)")


# What each scope opens, in the words an administrator choosing scopes needs.
SCOPE_HELP: dict[str, StrOrPromise] = {
    Scope.INTAKE: _("POST /api/v1/reports: a company files reports and reads their status."),
    Scope.PARTNER: _(
        "A partner hotline's machine account (federation itself is signed with keys)."
    ),
    Scope.FEED_RPZ: _("GET /api/v1/feeds/rpz: the DNS response-policy zone, for ISP resolvers."),
    Scope.FEED_URLS: _("GET /api/v1/feeds/urls: the URL blocklist (full and delta), for proxies."),
    Scope.FEED_HASHES: _("GET /api/v1/feeds/hashes: confirmed file hashes."),
    Scope.FEED_SELF_REPORTED: _(
        "GET /api/v1/feeds/self-reported (CSV, VICS) and /api/v1/feeds/self-reported/changes:"
        " hashes people sent of their own images (unverified)."
    ),
    Scope.SELF_REPORTED_REMOVALS: _(
        "POST /api/v1/feeds/self-reported/removals: a platform says how many items it removed."
    ),
    Scope.FEED_TAXII: _("TAXII 2.1 under /api/v1/taxii2/: only the collections subscribed below."),
    Scope.FEED_PAYMENT: _(
        "GET /api/v1/feeds/payment: merchant ids and wallets, for payment firms."
    ),
    Scope.FEED_PHONE: _("GET /api/v1/feeds/phone: phone numbers, for mobile operators."),
    Scope.MATCH: _("POST /api/v1/match: look hashes up in the enabled hash lists."),
    Scope.METRICS: _("GET /metrics: Prometheus figures for the operators' monitoring."),
}


class ClientKind(models.TextChoices):
    PARTNER = "partner", _("Partner instance")
    FEED_CONSUMER = "feed_consumer", _("Feed consumer")
    COMPANY_INTAKE = "company_intake", _("Company intake")


def hash_secret(secret: str) -> str:
    # Secrets are 256-bit random tokens, so a fast keyed hash is enough (no dictionary to attack);
    # the key keeps a leaked table useless without the instance's secret key.
    from django.conf import settings

    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


class ApiCredential(models.Model):
    """A machine client's credential. Only a keyed hash of the secret is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="credentials"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=ClientKind.choices)
    scopes = models.JSONField(default=list)
    key_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the credential was rotated with an overlap: the old token keeps working until
    # then, so a consumer can switch to the new one without a gap.
    expires_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def audit_label(self) -> str:
        """How the audit log names this machine client (``hotline.audit.actions.AuditActor``)."""
        return f"client:{self.key_id}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class CredentialNetwork(models.Model):
    """A client network a credential has been used from, known only by a keyed hash.

    Like the sign-in throttle's client fingerprint, no address is stored: the network
    (an IPv4 /24 or an IPv6 /48, so a client's changing address within its own network is
    not news) goes through an HMAC keyed with the instance secret and the credential's key
    id. A stolen table thus names no network and cannot link one client across
    credentials; the hash only answers "seen before for this credential?".
    """

    credential = models.ForeignKey(ApiCredential, on_delete=models.CASCADE, related_name="+")
    network_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "network_hash"], name="credential_network_once"
            )
        ]

    def __str__(self) -> str:
        return f"network {self.network_hash[:12]} of {self.credential_id}"
