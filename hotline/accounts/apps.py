from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    verbose_name = _("Accounts")
    name = "hotline.accounts"
    label = "accounts"

    def ready(self) -> None:
        from hotline.accounts import audit_objects  # noqa: F401  (registers users and credentials)
