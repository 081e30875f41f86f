from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def staff_home(request: HttpRequest) -> HttpResponse:
    """Where staff land after signing in: the first section their roles open."""
    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import redirect

    from hotline.accounts.models import User
    from hotline.core.navigation import landing

    user = request.user
    if not isinstance(user, User):
        return redirect_to_login(request.get_full_path())
    target = landing(user)
    if target is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(target)
