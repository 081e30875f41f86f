"""Django admin for administrators only (role + two-factor, like every staff page)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from hotline.accounts.models import ApiCredential, Organisation, Role, User, UserRole


def _admin_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and isinstance(user, User) and user.has_role(Role.ADMINISTRATOR))


def _login_through_staff_sign_in(
    request: HttpRequest, extra_context: object = None
) -> HttpResponse:
    return redirect(f"/staff/login/?next={request.get_full_path()}")


admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]
admin.site.login = _login_through_staff_sign_in  # type: ignore[method-assign]


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


@admin.register(User)
class HotlineUserAdmin(UserAdmin):
    inlines = [UserRoleInline]
    list_display = ("username", "organisation", "is_active", "last_login")
    fieldsets = (*UserAdmin.fieldsets, ("Hotline", {"fields": ("organisation",)}))  # type: ignore[misc]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "is_own")
    list_filter = ("kind", "country")


@admin.register(ApiCredential)
class ApiCredentialAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organisation",
        "kind",
        "key_id",
        "scopes",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = ("key_id", "secret_hash", "created_at", "last_used_at", "replaced_by")
