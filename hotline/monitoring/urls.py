"""Staff and public pages of the monitoring app (mounted in hotline/site/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.monitoring import views

app_name = "monitoring"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.csv", views.export, name="export"),
    path("transparency/", views.transparency, name="transparency"),
    path("legal/", views.legal_matrix_view, name="legal_matrix"),
    path("legal/export.csv", views.legal_export, name="legal_export"),
    path("legal/import/", views.legal_import, name="legal_import"),
    path("legal/gaps/", views.gaps, name="gaps"),
    path("legal/gaps/<str:region>/", views.region_gaps, name="region_gaps"),
    path("legal/gaps/<str:region>/export.csv", views.region_gaps_export, name="region_gaps_export"),
    path("legal/<str:country>/", views.legal_country, name="legal_country"),
    path("legal/<str:country>/<slug:key>/", views.legal_edit, name="legal_edit"),
    path("targets/", views.targets, name="targets"),
    path("targets/export.csv", views.targets_export, name="targets_export"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/archive/", views.target_archive, name="target_archive"),
    path("report/", views.report_index, name="report_index"),
    path("report/<int:year>/", views.annual_report, name="report"),
    path("report/<int:year>/pdf/", views.annual_report_pdf, name="report_pdf"),
    path("report/<int:year>/narrative/", views.report_narrative, name="report_narrative"),
]
