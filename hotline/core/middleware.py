from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, get_resolver, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from hotline import languages
from hotline.core.api import problem
from hotline.core.emergency import home_number
from hotline.core.outage import (
    SharedOutageLog,
    close_broken_connections,
    is_database_outage,
    is_transaction_conflict,
)

# Seconds a client should wait before retrying while the database is away: a PostgreSQL
# restart or fail-over takes a few seconds to a minute.
RETRY_AFTER_SECONDS = 30
_outages = SharedOutageLog("web")
_log = logging.getLogger("django.request")


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
        response: HttpResponse = problem(
            503,
            "Service temporarily unavailable",
            "The database is unreachable. Nothing from this request was stored; "
            f"send it again after {RETRY_AFTER_SECONDS} seconds (with the same Idempotency-Key).",
        )
    elif request.path == "/metrics":
        # For the operators' scraper and whoever curls it: the cause in words, no page.
        response = HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    else:
        # Staff (the health page's readers among them) are told the cause.
        response = _unavailable_page(request, cause=request.path.startswith("/staff/"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def transaction_conflict(request: HttpRequest) -> HttpResponse:
    """The answer when PostgreSQL ended the request's transaction to break a deadlock (or a
    serialization failure) with a concurrent one: the database is up and nothing of the request
    was kept, so it can be sent again at once. An API client gets a 409 problem saying so; a
    person the page of a passing problem ("nothing you sent was saved, try again"), without
    the outage's cause. Not an outage: nothing is logged as one."""
    if request.path.startswith("/api/"):
        response: HttpResponse = problem(
            409,
            "Conflict with a concurrent request",
            "The database ended this request's transaction to resolve a conflict with another "
            "one. Nothing from this request was stored; send it again (with the same "
            "Idempotency-Key).",
        )
    else:
        response = _unavailable_page(request, cause=False)
    response["Retry-After"] = "1"
    response["Cache-Control"] = "no-store"
    return response


def _unavailable_page(request: HttpRequest, *, cause: bool) -> HttpResponse:
    """The 503 *Temporarily unavailable* page; with ``cause``, it says the database is
    unreachable. Rendered without the request: context processors would query the database."""
    response = HttpResponse(
        loader.render_to_string(
            "core/unavailable.html",
            {
                "instance_name": settings.INSTANCE_NAME,
                "emergency_number": home_number(),
                "staff": cause,
            },
        ),
        status=503,
    )
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
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
        if is_transaction_conflict(exception):
            return transaction_conflict(request)
        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view as a public page: it speaks every public language (HOTLINE_LANGUAGES).

    Every other view is a staff or machine page and speaks only HOTLINE_STAFF_LANGUAGES, whose
    catalogues cover the staff pages. ``functools.wraps`` carries the mark through decorators.
    """
    view.public_page = True  # type: ignore[attr-defined]
    return view


class LanguageMiddleware:
    """Chooses the language of each request (instead of Django's LocaleMiddleware).

    The visitor's own choice (the switcher's browser-session cookie) comes first, then
    Accept-Language with a fallback chain per tag (``sr-Latn-RS`` → ``sr-latn`` → ``sr``, and
    aliases such as ``nn`` → ``nb``), then English. A page with no view (a 404) is public; once
    the view is known, a view not marked :func:`public_page` is limited to the staff languages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._activate(request, settings.PUBLIC_LANGUAGES)
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> None:
        if not getattr(view_func, "public_page", False):
            self._activate(request, settings.STAFF_LANGUAGES)

    @staticmethod
    def _activate(request: HttpRequest, available: list[str]) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen in available:
            code = chosen
        else:
            header = request.headers.get("Accept-Language", "")
            code = languages.choose(header, available, settings.LANGUAGE_CODE)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        request.offered_languages = available  # type: ignore[attr-defined]


class OwnErrorPagesMiddleware:
    """Our 404 and 500 pages while ``DEBUG`` is on (``make run``) too: Django's technical pages
    list every URL pattern and show tracebacks to whoever opens a wrong address.

    Set ``HOTLINE_DEBUG_ERROR_PAGES`` to see Django's pages while debugging. Without ``DEBUG``
    this does nothing: Django calls ``handler404``/``handler500`` itself. It sits after the
    authentication middleware (a 404 keeps the staff menu) and before the outage handler's
    turn (a database outage still answers 503).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _active(self) -> bool:
        return bool(settings.DEBUG and not settings.DEBUG_ERROR_PAGES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            urlconf = getattr(request, "urlconf", None)
            try:
                resolve(request.path_info, urlconf)
            except Resolver404 as exc:
                # CommonMiddleware (outside) still turns a missing slash into a redirect.
                return self._handler(404, urlconf)(request, exception=exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if (
            not self._active()
            or is_database_outage(exception)
            or is_transaction_conflict(exception)
        ):
            return None  # the database's errors are answered by DatabaseOutageMiddleware
        urlconf = getattr(request, "urlconf", None)
        if isinstance(exception, Http404):
            return self._handler(404, urlconf)(request, exception=exception)
        if isinstance(exception, (PermissionDenied, SuspiciousOperation, BadRequest)):
            return None  # Django answers these with our handlers even in DEBUG
        _log.error("Internal Server Error: %s", request.path, exc_info=exception)
        return self._handler(500, urlconf)(request)

    @staticmethod
    def _handler(status: int, urlconf: str | None) -> Callable[..., HttpResponse]:
        handler: Callable[..., HttpResponse] = get_resolver(urlconf).resolve_error_handler(status)
        return handler
