"""Administration of routing: jurisdictions, police units, partners, hosting providers, rules.

Referrals are written by routing only; here they can be read, not edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.core.admin import AuditedModelAdmin, ChoiceListField, CountryListField, ReadOnlyAdmin
from hotline.routing.models import (
    Destination,
    HostingProvider,
    JurisdictionProfile,
    Partner,
    PoliceUnit,
    Referral,
    RoutingRule,
)


class RoutingRuleForm(forms.ModelForm):
    destinations = ChoiceListField(
        label=_("Destinations"),
        choices=Destination.choices,
        help_text=_("Where an illegal item goes when the condition holds. Tick at least one."),
    )

    class Meta:
        model = RoutingRule
        fields = ("position", "condition", "destinations", "enabled", "description")


class PartnerForm(forms.ModelForm):
    # Partners are reached over HTTPS: an address typed without a scheme means https://.
    base_url = forms.URLField(
        label=_("Base URL"), assume_scheme="https", help_text=_("e.g. https://hotline.example.test")
    )
    countries = CountryListField(
        label=_("Countries covered"),
        help_text=_(
            "Reports hosted in these countries are forwarded to this partner. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )

    class Meta:
        model = Partner
        fields = ("organisation", "base_url", "key_id", "public_key", "countries", "active")


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
    # Legal facts carry their source and date: they are edited on the legal matrix page.
    exclude = ("legal_facts",)
    readonly_fields = ("legal_facts_shown",)

    @admin.display(description=_("legal facts"))
    def legal_facts_shown(self, profile: JurisdictionProfile) -> str:
        if not profile.country:
            return str(_("Save the profile, then record its legal facts on the legal matrix page."))
        count = len(profile.legal_facts or {})
        return format_html(
            '{} <a href="{}">{}</a>',
            ngettext("%(count)d fact recorded.", "%(count)d facts recorded.", count)
            % {"count": count},
            reverse("monitoring:legal_country", args=[profile.country]),
            _("See and edit them on the legal matrix page"),
        )


@admin.register(PoliceUnit)
class PoliceUnitAdmin(AuditedModelAdmin):
    list_display = ("name", "country", "channel", "email", "handles_online", "handles_travel")
    list_filter = ("country", "channel")


@admin.register(Partner)
class PartnerAdmin(AuditedModelAdmin):
    # Partners are reached over HTTPS: a base URL typed without a scheme means https://
    # (and Django 5.2 warns, failing the page under warnings-as-errors, without a choice).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = PartnerForm
    list_display = ("organisation", "base_url", "country_list", "active")
    list_filter = ("active",)

    @admin.display(description=_("countries covered"))
    def country_list(self, partner: Partner) -> str:
        return ", ".join(partner.countries)


@admin.register(HostingProvider)
class HostingProviderAdmin(AuditedModelAdmin):
    list_display = ("name", "abuse_email", "country", "asn", "source")
    search_fields = ("name", "abuse_email")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedModelAdmin):
    form = RoutingRuleForm
    list_display = ("position", "condition", "destination_list", "enabled", "description")
    list_editable = ("enabled",)

    @admin.display(description=_("destinations"))
    def destination_list(self, rule: RoutingRule) -> str:
        labels = dict(Destination.choices)
        return ", ".join(str(labels.get(d, d)) for d in rule.destinations)


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
