"""Production refuses to start with an unsafe configuration.

These run with every management command (``runserver``, ``migrate``, ``hotline run``)
and ``check --deploy``; in production mode each is an error, so the process stops.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_safety(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "HOTLINE_DEBUG is on in production mode.",
                hint="Unset HOTLINE_DEBUG.",
                id="hotline.E001",
            )
        )
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "HOTLINE_SECRET_KEY is the development default or shorter than 50 characters.",
                hint="Set HOTLINE_SECRET_KEY (or HOTLINE_SECRET_KEY_FILE) to 50+ random characters.",
                id="hotline.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "HOTLINE_ALLOWED_HOSTS is empty in production mode.",
                hint="Set HOTLINE_ALLOWED_HOSTS to this instance's host names, comma-separated.",
                id="hotline.E003",
            )
        )
    if not settings.FEDERATION_PRIVATE_KEY:
        errors.append(
            Error(
                "HOTLINE_FEDERATION_PRIVATE_KEY is not set in production mode.",
                hint="Create an Ed25519 key (openssl genpkey -algorithm ed25519 -out key.pem) and set "
                "HOTLINE_FEDERATION_PRIVATE_KEY_FILE to its path; partners verify your messages with it.",
                id="hotline.E005",
            )
        )
    if settings.DEMO:
        errors.append(
            Error(
                "HOTLINE_DEMO is on in production mode.",
                hint="Unset HOTLINE_DEMO.",
                id="hotline.E004",
            )
        )
    return errors
