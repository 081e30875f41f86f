from __future__ import annotations

from django.apps import AppConfig


class TakedownConfig(AppConfig):
    name = "hotline.takedown"
    label = "takedown"
