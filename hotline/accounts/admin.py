"""Django admin for administrators only (role + two-factor, like every staff page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from hotline.accounts.models import ApiCredential, Organisation, Role, User, UserRole
from hotline.accounts.rules import ACCESS_RULE


def _admin_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and isinstance(user, User) and user.has_role(Role.ADMINISTRATOR))


_django_admin_view = admin.site.admin_view


def _admin_view(
    view: Callable[..., HttpResponse], cacheable: bool = False
) -> Callable[..., HttpResponse]:
    """Sign-in goes through the staff sign-in (with two-factor); a signed-in user without the
    administrator role gets 403 rather than Django admin's own login form."""
    inner = _django_admin_view(view, cacheable)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not _admin_has_permission(request):
            raise PermissionDenied("Only administrators can open the administration pages.")
        return inner(request, *args, **kwargs)

    return wrapped


def _admin_refusal(user: User) -> str | None:
    """The administration pages' rule, for the menus (``accounts.rules.may_open``)."""
    if user.is_active and user.has_role(Role.ADMINISTRATOR):
        return None
    return "Only administrators can open the administration pages."


def _staff_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Django admin's own login form would skip the staff sign-in's throttle and its audit
    event: everyone is sent to the staff sign-in instead."""
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))


def _staff_sign_out(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Signing out of the admin is signing out of the staff pages, audited like it."""
    from hotline.accounts.views import logout_view

    return logout_view(request)


# The default site is adjusted in place (rather than swapped) so that third-party
# admin registrations keep working.
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]
admin.site.admin_view = _admin_view  # type: ignore[method-assign,assignment]
admin.site.login = _staff_sign_in  # type: ignore[method-assign]
admin.site.logout = _staff_sign_out  # type: ignore[method-assign,assignment]
setattr(admin.site, ACCESS_RULE, _admin_refusal)


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
    """Read-only here: a credential is issued, rotated and revoked on the staff credential pages
    (or ``hotline credentials``), through the actions that show the token once and audit it.
    Saving this model directly would store a credential with no usable token."""

    list_display = (
        "name",
        "organisation",
        "kind",
        "key_id",
        "scope_list",
        "revoked_at",
        "expires_at",
        "last_used_at",
    )
    list_filter = ("kind",)
    fields = (
        "name",
        "organisation",
        "kind",
        "key_id",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
        "replaced_by",
    )
    readonly_fields = fields

    @admin.display(description="scopes")
    def scope_list(self, credential: ApiCredential) -> str:
        return ", ".join(credential.scopes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revocation keeps the row (and its audit trail); see the staff pages
