"""Administration pages share one rule: every change made there is in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

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
