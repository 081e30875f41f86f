"""The project's URLs plus one view that fails, for the error-page tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from hotline.site.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("synthetic failure for the error-page test")


urlpatterns = [*urlpatterns, path("boom/", _boom)]
