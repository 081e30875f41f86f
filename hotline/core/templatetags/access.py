"""``{% may_open "app:page" as allowed %}``: whether the signed-in user may open a page, by the
rule its view enforces (``accounts.rules.may_open``), so links never lead to a 403."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.accounts.models import User
from hotline.accounts.rules import may_open as user_may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context: dict[str, Any], url_name: str) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return isinstance(user, User) and user.is_authenticated and user_may_open(user, url_name)
