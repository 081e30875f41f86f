"""Staff and public pages of the feeds app (mounted in hotline/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "feeds"
urlpatterns: list[URLPattern | URLResolver] = []
