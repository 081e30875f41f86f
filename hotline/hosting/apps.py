from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HostingConfig(AppConfig):
    verbose_name = _("Hosting")
    name = "hotline.hosting"
    label = "hosting"
