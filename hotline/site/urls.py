from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from hotline.core import views as core_views
from hotline.site import views as site_views

admin.site.site_header = settings.INSTANCE_NAME

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("report/", include("hotline.intake.urls")),
    path("removal/", include("hotline.intake.removal_urls")),
    path("staff/removal-requests/", include("hotline.intake.removal_staff_urls")),
    path("staff/", site_views.staff_home, name="staff_home"),
    path("staff/", include("hotline.accounts.urls")),
    path("staff/health/", core_views.health_page, name="health"),
    path("staff/audit/", include("hotline.accounts.audit_urls")),
    path("staff/cases/", include("hotline.cases.urls")),
    path("staff/routing/", include("hotline.routing.urls")),
    path("staff/outbox/", include("hotline.outbox.urls")),
    path("staff/notices/", include("hotline.takedown.urls")),
    path("staff/search/", site_views.search, name="search"),
    path("staff/media/", include("hotline.cases.media_urls")),
    path("feeds/", include("hotline.feeds.urls")),
    path("travel/", include("hotline.tourism.urls")),
    path("monitoring/", include("hotline.monitoring.urls")),
    path("staff/admin/", admin.site.urls),
    path("api/v1/", include("hotline.site.api_urls")),
    # NCMEC's CyberTipline Reporting API flow; an ESP's client points its base URL here.
    path("api/cybertip/", include("hotline.intake.cybertip.urls")),
]

# A database outage outside a view becomes a retryable 503, not a 500 (see core.views).
handler500 = "hotline.core.views.server_error"
# Every refusal is a security event in the audit log (see accounts.views).
handler403 = "hotline.accounts.views.permission_denied"
# Our page, with the staff menu for staff; in DEBUG too (core.middleware.OwnErrorPagesMiddleware).
handler404 = "hotline.core.views.page_not_found"
