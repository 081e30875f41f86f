"""Administration pages share one rule: every change made there is in the audit log."""

from __future__ import annotations

import gettext as gettext_module
import json
import re
from functools import lru_cache
from typing import Any

import pycountry
from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.audit.actions import record


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletions are recorded in the hash-chained audit log,
    in the same transaction as the change."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                "admin.change" if change else "admin.add",
                actor=_user(request),
                obj=obj,
                detail={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            record("admin.delete", actor=_user(request), obj=obj, detail={"repr": str(obj)[:200]})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                record(
                    "admin.delete", actor=_user(request), obj=obj, detail={"repr": str(obj)[:200]}
                )
            super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the application's actions: administrators may look, not edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- form fields for JSON columns: administrators never type JSON ------------------------------


class ChoiceListField(forms.MultipleChoiceField):
    """A JSON list of choices as tick boxes (routing-rule destinations, scopes)."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value.startswith("[") else value

    def clean(self, value: Any) -> list[str]:
        chosen = super().clean(value)
        order = [str(key) for key, _label in self.choices]  # type: ignore[union-attr,misc]
        return sorted(chosen, key=order.index)  # stored in the choices' order


@lru_cache(maxsize=8)
def _country_names(language: str) -> tuple[tuple[str, str], ...]:
    translation = gettext_module.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    names = [
        (c.alpha_2, translation.gettext(getattr(c, "common_name", None) or c.name))
        for c in pycountry.countries
    ]
    return tuple(sorted(names, key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every ISO 3166-1 country, by name in the active language."""
    language = (get_language() or "en").split("-")[0]
    return [(code, f"{name} ({code})") for code, name in _country_names(language)]


class CountryListField(forms.MultipleChoiceField):
    """A JSON list of ISO 3166-1 alpha-2 codes as a multiple select of country names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.SelectMultiple(attrs={"size": 10}))
        super().__init__(choices=country_choices, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value.startswith("[") else value

    def clean(self, value: Any) -> list[str]:
        return sorted({str(code).upper() for code in super().clean(value)})


_MAPPING_PART = re.compile(r"[\w .:/+-]{1,100}\Z")


class MappingField(forms.CharField):
    """A JSON object of short labels as one ``their label = ours`` pair per line."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("{"):
            value = json.loads(value)
        if isinstance(value, dict):
            return "\n".join(f"{key} = {label}" for key, label in value.items())
        return value

    def clean(self, value: Any) -> dict[str, str]:
        text = super().clean(value) or ""
        mapping: dict[str, str] = {}
        problems = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, label = (part.strip() for part in line.partition("="))
            if not sep or not _MAPPING_PART.match(key) or not _MAPPING_PART.match(label):
                problems.append(
                    forms.ValidationError(
                        _("Line %(number)d must read “their label = our label”: %(line)s"),
                        params={"number": number, "line": line[:100]},
                    )
                )
            elif key in mapping:
                problems.append(
                    forms.ValidationError(
                        _("Line %(number)d repeats the label %(key)s."),
                        params={"number": number, "key": key},
                    )
                )
            else:
                mapping[key] = label
        if problems:
            raise forms.ValidationError(problems)
        return mapping
