from __future__ import annotations

from django.apps import AppConfig


class TourismConfig(AppConfig):
    name = "hotline.tourism"
    label = "tourism"
