"""The auditors' audit log pages (mounted under /staff/audit/ in hotline/urls.py)."""

from __future__ import annotations

from django.urls import path

from hotline.accounts import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_log, name="log"),
    path("export.csv", audit_views.audit_export, name="export"),
    path("verify/", audit_views.audit_verify, name="verify"),
]
