from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hotline import languages
from hotline.accounts.models import User
from hotline.site.navigation import staff_navigation


def instance(request: HttpRequest) -> dict[str, Any]:
    """The instance's name, demo flag and the signed-in person's navigation, for every page."""
    user = getattr(request, "user", None)
    nav = staff_navigation(user) if isinstance(user, User) else {}
    return {"instance_name": settings.INSTANCE_NAME, "demo_mode": settings.DEMO, "nav": nav}


def language(request: HttpRequest) -> dict[str, Any]:
    """The switcher's choices: each language this part of the site speaks, by its own name."""
    offered = getattr(request, "offered_languages", settings.STAFF_LANGUAGES)
    choices = [(code, languages.own_name(code)) for code in offered]
    return {"language_choices": choices}
