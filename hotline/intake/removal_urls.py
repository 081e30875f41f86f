"""Public pages of hash-only removal requests (mounted at /removal/ in hotline/site/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.intake import removal

app_name = "removal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", removal.page, name="page"),
    path("submit", removal.submit, name="submit"),
    path("status/", removal.status, name="status"),
]
