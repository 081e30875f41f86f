"""Administration of routing: jurisdictions, police units, partners, hosting providers, rules.

Referrals are written by routing only; here they can be read, not edited.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from hotline.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from hotline.routing.models import (
    HostingProvider,
    JurisdictionProfile,
    Partner,
    PoliceUnit,
    Referral,
    RoutingRule,
)


@admin.register(JurisdictionProfile)
class JurisdictionProfileAdmin(AuditedModelAdmin):
    list_display = (
        "country",
        "country_name",
        "blocking_allowed",
        "police_first",
        "police_hold_hours",
        "emergency_number",
    )
    search_fields = ("country",)


@admin.register(PoliceUnit)
class PoliceUnitAdmin(AuditedModelAdmin):
    list_display = ("name", "country", "channel", "email", "handles_online", "handles_travel")
    list_filter = ("country", "channel")


@admin.register(Partner)
class PartnerAdmin(AuditedModelAdmin):
    # Partners are reached over HTTPS: a base URL typed without a scheme means https://
    # (and Django 5.2 warns, failing the page under warnings-as-errors, without a choice).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("organisation", "base_url", "countries", "active")
    list_filter = ("active",)


@admin.register(HostingProvider)
class HostingProviderAdmin(AuditedModelAdmin):
    list_display = ("name", "abuse_email", "country", "asn", "source")
    search_fields = ("name", "abuse_email")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedModelAdmin):
    list_display = ("position", "condition", "destinations", "enabled", "description")
    list_editable = ("enabled",)


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "item",
        "destination",
        "country",
        "status",
        "created_at",
        "sent_at",
        "closed_at",
    )
    list_filter = ("destination", "status", "country")
