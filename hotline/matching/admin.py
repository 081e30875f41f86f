from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import AuditedModelAdmin, MappingField
from hotline.matching.models import HashList


class HashListForm(forms.ModelForm):
    category_mapping = MappingField(
        label=_("Category mapping"),
        required=False,
        help_text=_(
            "One line per category of the list: its own label, “=”, our classification. "
            "For example “1 = baseline”."
        ),
    )

    class Meta:
        model = HashList
        fields = ("name", "source", "trust_level", "enabled", "category_mapping", "description")


@admin.register(HashList)
class HashListAdmin(AuditedModelAdmin):
    form = HashListForm
    list_display = ("name", "source", "trust_level", "enabled", "revision", "created")
    list_filter = ("source", "enabled")
    readonly_fields = ("revision",)
