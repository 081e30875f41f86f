"""Administrators see the lists and manage which consumer reads which TAXII collection."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.feeds import actions
from hotline.feeds.models import Collection, Entry, FeedSubscription


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("alias", "title", "feed_list", "tlp")
    readonly_fields = ("id", "feed_list", "created_at")


@admin.register(FeedSubscription)
class FeedSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions go through the feeds actions, so each grant and withdrawal is audited."""

    list_display = ("credential", "collection", "created_at")
    list_filter = ("collection",)
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user = request.user if request.user.is_authenticated else None
        subscription = actions.subscribe(obj.credential, obj.collection, acting_user=user)
        obj.pk = subscription.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        user = request.user if request.user.is_authenticated else None
        actions.unsubscribe(obj.credential, obj.collection, acting_user=user)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Read-only: entries change only through the blocklist page and routing."""

    list_display = ("feed_list", "kind", "value", "added_serial", "removed_serial")
    list_filter = ("feed_list", "kind", "removal_reason")
    search_fields = ("value",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
