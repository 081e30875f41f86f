from __future__ import annotations

from django.urls import path

from hotline.takedown import views

app_name = "takedown"
urlpatterns = [
    path("", views.notice_list, name="notices"),
    path("<int:pk>/", views.notice_detail, name="notice"),
]
