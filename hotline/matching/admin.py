from __future__ import annotations

from django.contrib import admin

from hotline.core.admin import AuditedModelAdmin
from hotline.matching.models import HashList


@admin.register(HashList)
class HashListAdmin(AuditedModelAdmin):
    list_display = ("name", "source", "trust_level", "enabled", "revision", "created")
    list_filter = ("source", "enabled")
    readonly_fields = ("revision",)
