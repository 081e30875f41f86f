from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    verbose_name = _("Cases")
    name = "hotline.cases"
    label = "cases"

    def ready(self) -> None:
        from hotline.cases import (
            audit_objects,  # noqa: F401  (registers reports and items)
            tasks,  # noqa: F401  (registers enrichment's batch runner)
        )
        from hotline.cases.enrichment import steps  # noqa: F401  (registers the built-in enrichment steps)
