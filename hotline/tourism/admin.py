"""Administrators keep where partner hotlines receive travel referrals; the rest has pages."""

from __future__ import annotations

from django.contrib import admin

from hotline.tourism.models import PartnerTravelContact


@admin.register(PartnerTravelContact)
class PartnerTravelContactAdmin(admin.ModelAdmin):
    list_display = ("partner", "email")
