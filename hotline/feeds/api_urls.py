"""Machine-client endpoints of the feeds app, mounted under /api/v1/ (names prefixed "api_feeds")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
