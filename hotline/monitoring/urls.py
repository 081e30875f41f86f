"""Staff and public pages of the monitoring app (mounted in hotline/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "monitoring"
urlpatterns: list[URLPattern | URLResolver] = []
