from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def instance(request: HttpRequest) -> dict[str, Any]:
    return {"instance_name": settings.INSTANCE_NAME, "demo_mode": settings.DEMO_MODE}
