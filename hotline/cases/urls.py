from __future__ import annotations

from django.urls import path

from hotline.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
]
