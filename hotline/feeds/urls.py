"""Staff and public pages of the feeds app (mounted in hotline/site/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.feeds import views

app_name = "feeds"
urlpatterns: list[URLPattern | URLResolver] = [
    path("blocklist/", views.blocklist, name="blocklist"),
    path("entries/<int:pk>/lift/", views.lift, name="lift"),
    path("domains/", views.domains, name="domains"),
    path("items/<int:item_pk>/indicators/", views.indicators, name="indicators"),
    path("blocked/", views.stop_page, name="stop_page"),
]
