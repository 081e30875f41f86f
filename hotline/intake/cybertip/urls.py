"""``/api/cybertip/``: NCMEC's endpoint names relative to the base URL a client configures."""

from __future__ import annotations

from django.urls import path

from hotline.intake.cybertip import views

urlpatterns = [
    path("status", views.status, name="cybertip_status"),
    path("xsd", views.xsd, name="cybertip_xsd"),
    path("submit", views.submit, name="cybertip_submit"),
    path("upload", views.upload, name="cybertip_upload"),
    path("fileinfo", views.fileinfo, name="cybertip_fileinfo"),
    path("finish", views.finish, name="cybertip_finish"),
    path("retract", views.retract, name="cybertip_retract"),
]
