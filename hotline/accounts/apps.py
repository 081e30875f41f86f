from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"

    def ready(self) -> None:
        from hotline.accounts import audit_objects  # noqa: F401  (registers users and credentials)
