"""Every machine-client endpoint, under /api/v1/. Apps add theirs here."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from hotline.audit.actions import record
from hotline.core import audit_api
from hotline.core.api import api_endpoint, credential_of, not_found
from hotline.intake import api as intake_api
from hotline.intake.openapi import document
from hotline.matching import api as matching_api
from hotline.routing.federation import views as federation_views


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


def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(document(), json_dumps_params={"indent": 1})


urlpatterns = [
    path("openapi.json", openapi, name="api_openapi"),
    path("whoami", whoami, name="api_whoami"),
    path("reports", intake_api.submit_reports, name="api_reports"),
    path("reports/<str:reference>", intake_api.report_status, name="api_report_status"),
    path("reports/<str:reference>/media", intake_api.upload_media, name="api_report_media"),
    path("match", matching_api.match, name="api_match"),
    path("audit/head", audit_api.audit_head, name="api_audit_head"),
    path("audit/checkpoint", audit_api.audit_checkpoint, name="api_audit_checkpoint"),
    path("federation/inbox", federation_views.inbox, name="api_federation_inbox"),
    path("", include("hotline.feeds.api_urls")),
    path("", include("hotline.tourism.api_urls")),
    path("", include("hotline.monitoring.api_urls")),
    # Last: any other path under /api/v1/ is a problem document, never Django's HTML page.
    re_path(r"", not_found),
]
