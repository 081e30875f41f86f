from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from hotline import languages
from hotline.accounts.models import User
from hotline.site.navigation import staff_menus, staff_navigation


def instance(request: HttpRequest) -> dict[str, Any]:
    """The instance's name, demo flag and the signed-in person's navigation, for every page."""
    user = getattr(request, "user", None)
    staff = user if isinstance(user, User) and user.is_authenticated else None
    nav = staff_navigation(staff) if staff else {}
    return {
        "instance_name": settings.INSTANCE_NAME,
        "demo_mode": settings.DEMO,
        "nav": nav,
        # Lazy: computed only by pages that draw the staff header.
        "staff_menus": partial(staff_menus, staff) if staff else (),
        "footer": {
            "privacy_url": settings.PRIVACY_NOTICE_URL or reverse("intake:privacy"),
            "contact_email": settings.CONTACT_EMAIL,
            "contact_url": settings.CONTACT_URL,
        },
    }


def language(request: HttpRequest) -> dict[str, Any]:
    """The switcher's choices: each language this part of the site speaks, by its own name."""
    offered = getattr(request, "offered_languages", settings.STAFF_LANGUAGES)
    choices = [(code, languages.own_name(code)) for code in offered]
    return {"language_choices": choices}
