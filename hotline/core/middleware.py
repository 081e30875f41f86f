from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from hotline.core.outage import SharedOutageLog, close_broken_connections, is_database_outage

# Seconds a client should wait before retrying while the database is away: a PostgreSQL
# restart or fail-over takes a few seconds to a minute.
RETRY_AFTER_SECONDS = 30
_outages = SharedOutageLog("web")


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline script or style) and no caching of staff pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.path.startswith(("/staff/", "/api/", "/report/status")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The answer while the database is unreachable: 503 with ``Retry-After``, as a problem
    document for API clients and as a page for people. Nothing was stored: the request's
    transaction (if any) was rolled back, so the client can safely send it again."""
    _outages.failed(exc)
    close_broken_connections()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "type": "about:blank",
                "title": "Service temporarily unavailable",
                "status": 503,
                "detail": (
                    "The database is unreachable. Nothing from this request was stored; "
                    f"send it again after {RETRY_AFTER_SECONDS} seconds "
                    "(with the same Idempotency-Key)."
                ),
            },
            status=503,
            content_type="application/problem+json",
        )
    elif request.path == "/metrics":
        # For the operators' scraper and whoever curls it: the cause in words, no page.
        response = HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    else:
        # Rendered without the request: context processors would query the database.
        response = HttpResponse(
            loader.render_to_string(
                "core/unavailable.html",
                {
                    "instance_name": settings.INSTANCE_NAME,
                    "emergency_number": settings.EMERGENCY_NUMBER,
                    # Staff (the health page's readers among them) are told the cause.
                    "staff": request.path.startswith("/staff/"),
                },
            ),
            status=503,
        )
        response["Content-Language"] = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turn a view's database connection error into a retryable 503 (see
    ``database_unavailable``); errors raised by other middleware reach the same answer
    through ``hotline.core.views.server_error``, the 500 handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None
