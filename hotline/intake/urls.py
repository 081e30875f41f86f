from __future__ import annotations

from django.urls import path

from hotline.intake import views

app_name = "intake"
urlpatterns = [
    path("online/", views.report_online, name="report_online"),
    path("status/", views.status, name="status"),
    path("privacy/", views.privacy, name="privacy"),
]
