from __future__ import annotations

from django.urls import path

from hotline.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<uuid:pk>/<str:action>/", views.act, name="act"),
]
