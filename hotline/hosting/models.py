"""What a hosting trace found: the host's addresses, where each is, who runs it, whom to notify.

Every value carries its source and the date of that source's data, so an analyst (and a
police referral) can tell how much to trust it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HostingTrace(models.Model):
    """One lookup of a host: when, through which resolver, and what failed if anything."""

    host = models.CharField(_("host"), max_length=255)
    registrable_domain = models.CharField(_("registrable domain"), max_length=255, blank=True)
    looked_up_at = models.DateTimeField(_("looked up at"), default=timezone.now)
    resolver = models.CharField(_("resolver"), max_length=200)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-looked_up_at", "-id"]
        indexes = [models.Index(fields=["host", "-looked_up_at"])]

    def __str__(self) -> str:
        return f"{self.host} @ {self.looked_up_at:%Y-%m-%d %H:%M}"


class AbuseKind(models.TextChoices):
    IP = "ip", _("IP network (hosting provider)")
    DOMAIN = "domain", _("domain (registrar)")


class AbuseContact(models.Model):
    """What RDAP said about whom to notify for an address or a domain, at a given time."""

    trace = models.ForeignKey(HostingTrace, on_delete=models.CASCADE, related_name="abuse_contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=AbuseKind.choices)
    query = models.CharField(_("query"), max_length=255)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=500)
    fetched_at = models.DateTimeField(_("fetched at"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["trace", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.query}: {self.email or self.error}"


class IpObservation(models.Model):
    """One address of a traced host, in the resolver's order (``position``)."""

    trace = models.ForeignKey(HostingTrace, on_delete=models.CASCADE, related_name="observations")
    position = models.PositiveSmallIntegerField(_("position"))
    ip = models.GenericIPAddressField(_("IP address"))
    country = models.CharField(_("country"), max_length=2, blank=True)
    country_source = models.CharField(_("country source"), max_length=255, blank=True)
    country_data_date = models.DateField(_("country data date"), null=True, blank=True)
    asn = models.PositiveBigIntegerField(_("AS number"), null=True, blank=True)
    as_org = models.CharField(_("AS organisation"), max_length=255, blank=True)
    asn_source = models.CharField(_("AS source"), max_length=255, blank=True)
    asn_data_date = models.DateField(_("AS data date"), null=True, blank=True)
    is_cdn = models.BooleanField(_("CDN"), default=False)
    cdn_name = models.CharField(_("CDN"), max_length=100, blank=True)
    cdn_kind = models.CharField(_("CDN kind"), max_length=16, blank=True)
    cdn_source = models.CharField(_("CDN source"), max_length=255, blank=True)
    abuse_contact = models.ForeignKey(
        AbuseContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
    )

    class Meta:
        verbose_name = _("IP observation")
        verbose_name_plural = _("IP observations")
        ordering = ["trace", "position"]
        constraints = [
            models.UniqueConstraint(fields=["trace", "position"], name="hosting_ip_position")
        ]

    def __str__(self) -> str:
        return f"{self.ip} ({self.country or '??'}, {self.as_org or 'AS?'})"
