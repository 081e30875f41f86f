"""Staff pages of hash-only removal requests (mounted at /staff/removal-requests/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.intake import removal

app_name = "removal_staff"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", removal.staff_list, name="list"),
    path("<int:pk>/decide/", removal.staff_decide, name="decide"),
]
