"""Machine-client endpoints of the tourism app, mounted under /api/v1/ (names prefixed "api_tourism")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
