from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    verbose_name = _("Audit log")
    name = "hotline.audit"
    label = "audit"
