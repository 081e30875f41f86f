from __future__ import annotations

import sys

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from hotline.accounts.models import Role, Scope
from hotline.accounts.rules import role_required
from hotline.core.api import api_endpoint
from hotline.core.health import media_disk, readiness, snapshot
from hotline.core.metrics import exposition
from hotline.core.middleware import database_unavailable, public_page, transaction_conflict
from hotline.core.outage import is_database_outage, is_transaction_conflict


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
    if exc is not None and is_transaction_conflict(exc):
        return transaction_conflict(request)
    if exc is not None and is_database_outage(exc):
        return database_unavailable(request, exc)
    # No request context: the page must render whatever broke (the database, a context
    # processor); the language is already the reader's.
    html = loader.render_to_string("500.html", {"instance_name": settings.INSTANCE_NAME})
    return HttpResponseServerError(html)


def error_page_base(request: HttpRequest) -> str:
    """The layout an error page extends: the staff one (with its menus) for a signed-in user."""
    user = getattr(request, "user", None)
    return "staff_base.html" if user is not None and user.is_authenticated else "base.html"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 handler: our page, with the staff menu for staff; never the list of URLs."""
    return render(request, "404.html", {"base_template": error_page_base(request)}, status=404)


@public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


# Not audited: the figures carry no case data, and a scrape every 15 s would flood the chain.
@never_cache
@api_endpoint(Scope.METRICS)
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics for operators (bearer credential with the ``metrics`` scope)."""
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


@never_cache
@role_required(Role.ADMINISTRATOR)
def health_page(request: HttpRequest) -> HttpResponse:
    """What runs and what waits: workers, queues, outbox, scheduler, feeds, database, disk."""
    return render(
        request,
        "core/health.html",
        {
            "health": snapshot(),
            "disk": media_disk(),
            "lease": settings.WORKER_LEASE_SECONDS,
            "queue_age_limit": settings.ALERTS_QUEUE_AGE_MINUTES * 60,
        },
    )
