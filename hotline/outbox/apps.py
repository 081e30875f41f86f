from __future__ import annotations

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "hotline.outbox"
    label = "outbox"
