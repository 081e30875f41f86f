"""Staff and public pages of the tourism app (mounted in hotline/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "tourism"
urlpatterns: list[URLPattern | URLResolver] = []
