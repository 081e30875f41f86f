from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "hotline.cases"
    label = "cases"

    def ready(self) -> None:
        from hotline.cases import audit_objects  # noqa: F401  (registers reports and items)
        from hotline.cases.enrichment import steps  # noqa: F401  (registers the built-in enrichment steps)
