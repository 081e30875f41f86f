"""Machine-client API plumbing: bearer credentials with scopes, JSON problem responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hotline.accounts.actions import CredentialError, authenticate_token, note_credential_use
from hotline.accounts.models import ApiCredential

ApiView = Callable[..., HttpResponse]


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    """An RFC 9457 problem document: what went wrong and what to do about it."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type="application/problem+json")


def api_endpoint(
    scope: str | None, *, methods: tuple[str, ...] = ("GET",)
) -> Callable[[ApiView], ApiView]:
    """Require a bearer credential with ``scope`` (None: any valid credential); the credential
    is then ``request.credential``."""

    def decorator(view: ApiView) -> ApiView:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = problem(405, "Method not allowed", f"Use {', '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                response = problem(
                    401, "Credential required", "Send 'Authorization: Bearer <token>'."
                )
                response["WWW-Authenticate"] = 'Bearer realm="hotline"'
                return response
            try:
                credential = authenticate_token(header[7:], scope=scope)
            except CredentialError as exc:
                response = problem(exc.status, "Not authorised", str(exc))
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="hotline", error="invalid_token"'
                return response
            note_credential_use(credential, client_address=request.META.get("REMOTE_ADDR", ""))
            request.credential = credential  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorator


def credential_of(request: HttpRequest) -> ApiCredential:
    credential: ApiCredential = request.credential  # type: ignore[attr-defined]
    return credential


class BadJson(Exception):
    pass


def json_body(request: HttpRequest, *, max_bytes: int = 5_000_000) -> Any:
    """Parse a JSON request body or raise ``BadJson`` with a message a client can act on."""
    if request.content_type != "application/json":
        raise BadJson("send the body as JSON with 'Content-Type: application/json'")
    if len(request.body) > max_bytes:
        raise BadJson(f"body larger than {max_bytes} bytes; split it into smaller batches")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(f"body is not valid JSON: {exc}") from None
