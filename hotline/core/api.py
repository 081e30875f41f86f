"""Machine-client API plumbing: bearer credentials with scopes, JSON problem responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from hotline.accounts.actions import CredentialError, authenticate_token, note_credential_use
from hotline.accounts.models import ApiCredential

ApiView = Callable[..., HttpResponse]

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    """An RFC 9457 problem document: what went wrong and what to do about it."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def body_limit(max_bytes: int) -> int:
    """The largest body an endpoint reads: its own limit or Django's, whichever is lower."""
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return max_bytes if django_limit is None else min(max_bytes, django_limit)


def too_large(limit: int) -> JsonResponse:
    return problem(
        413,
        "Body too large",
        f"The body is larger than {limit} bytes; split it into smaller requests.",
    )


def api_endpoint(
    scope: str | None, *, methods: tuple[str, ...] = ("GET",)
) -> Callable[[ApiView], ApiView]:
    """Require a bearer credential with ``scope`` (None: any valid credential); the credential
    is then ``request.credential``.

    Refusals carry a ``reason`` code beside the words: ``missing`` (no bearer header),
    ``malformed``, ``unknown``, ``revoked``, ``expired`` (401) and ``insufficient_scope`` (403).

    The credential is checked before the method, so an unauthenticated client learns nothing
    about what an endpoint accepts; every refusal, also Django's own for oversized or malformed
    bodies, is a problem document, never an HTML page.
    """

    def decorator(view: ApiView) -> ApiView:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                response = problem(
                    401,
                    "Credential required",
                    "Send 'Authorization: Bearer <token>'.",
                    reason="missing",
                )
                response["WWW-Authenticate"] = 'Bearer realm="hotline"'
                return response
            try:
                credential = authenticate_token(header[7:], scope=scope)
            except CredentialError as exc:
                response = problem(exc.status, "Not authorised", str(exc), reason=exc.reason)
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="hotline", error="invalid_token"'
                return response
            if request.method not in methods:
                response = problem(405, "Method not allowed", f"Use {', '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            note_credential_use(credential, client_address=request.META.get("REMOTE_ADDR", ""))
            request.credential = credential  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except RequestDataTooBig:
                # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, met while the view read the body.
                return too_large(body_limit(2**63))
            except (SuspiciousOperation, MultiPartParserError) as exc:
                # Too many fields or files, a broken multipart body: the client's fault, said so.
                return problem(400, "Unreadable body", str(exc) or type(exc).__name__)

        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorator


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under the API that names no endpoint: a problem document, not the HTML page."""
    return problem(404, "Not found", "No API endpoint has this path; see /api/v1/openapi.json.")


def credential_of(request: HttpRequest) -> ApiCredential:
    credential: ApiCredential = request.credential  # type: ignore[attr-defined]
    return credential


class BadJson(Exception):
    """The body cannot be read as JSON; ``status`` is the HTTP status to answer with."""

    status = 400


class BodyTooLarge(BadJson):
    status = 413


def json_body(request: HttpRequest, *, max_bytes: int = 5_000_000) -> Any:
    """Parse a JSON request body or raise ``BadJson`` with a message a client can act on."""
    if request.content_type != "application/json":
        raise BadJson("send the body as JSON with 'Content-Type: application/json'")
    limit = body_limit(max_bytes)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:  # refuse before reading what we would throw away
        raise BodyTooLarge(f"body larger than {limit} bytes; split it into smaller batches")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BodyTooLarge(
            f"body larger than {limit} bytes; split it into smaller batches"
        ) from None
    if len(raw) > limit:
        raise BodyTooLarge(f"body larger than {limit} bytes; split it into smaller batches")
    try:
        return json.loads(raw)
    except RecursionError:
        raise BadJson("body is not readable JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(f"body is not valid JSON: {exc}") from None
