"""Site-level pages that need the navigation of every app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hotline.accounts.models import User
from hotline.site.navigation import landing


def staff_home(request: HttpRequest) -> HttpResponse:
    """Where staff land after signing in: the first section their roles open."""
    user = request.user
    if not isinstance(user, User):
        return redirect_to_login(request.get_full_path())
    target = landing(user)
    if target is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(target)
