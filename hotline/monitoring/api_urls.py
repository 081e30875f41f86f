"""Machine-client endpoints of the monitoring app, mounted under /api/v1/ (names prefixed "api_monitoring")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
