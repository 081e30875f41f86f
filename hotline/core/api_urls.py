"""Every machine-client endpoint, under /api/v1/. Apps add theirs here."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from hotline.audit.actions import record
from hotline.core.api import api_endpoint, credential_of


@api_endpoint(None)
def whoami(request: HttpRequest) -> JsonResponse:
    """Which credential is this, and what may it do."""
    credential = credential_of(request)
    record("credential.whoami", actor=credential, obj=credential)
    return JsonResponse(
        {
            "key_id": credential.key_id,
            "organisation": credential.organisation.name,
            "kind": credential.kind,
            "scopes": credential.scopes,
        }
    )


urlpatterns = [
    path("whoami", whoami, name="api_whoami"),
]
