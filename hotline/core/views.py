from __future__ import annotations

import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache

from hotline.core.health import readiness
from hotline.core.middleware import database_unavailable
from hotline.core.outage import is_database_outage


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for operators and orchestrators: database, live workers (by heartbeat and
    lease), the scheduler's last run. 503 while the database is unreachable or no worker is
    alive. Counts only, no host names. Load balancers should keep using ``/healthz``."""
    state = readiness()
    return JsonResponse(state, status=200 if state["ready"] else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a database outage raised outside a view (sessions, authentication)
    still gets the retryable 503; anything else the plain 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return database_unavailable(request, exc)
    return defaults.server_error(request)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")
