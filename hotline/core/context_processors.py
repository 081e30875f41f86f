from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def instance(request: HttpRequest) -> dict[str, Any]:
    from hotline.accounts.models import User
    from hotline.core.navigation import staff_navigation

    user = getattr(request, "user", None)
    nav = staff_navigation(user) if isinstance(user, User) else {}
    return {"instance_name": settings.INSTANCE_NAME, "demo_mode": settings.DEMO, "nav": nav}
