from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "hotline.cases"
    label = "cases"

    def ready(self) -> None:
        from hotline.cases import enrichers  # noqa: F401  (registers the built-in enrichment steps)
