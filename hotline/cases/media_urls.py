from __future__ import annotations

from django.urls import path

from hotline.cases import media_views as views

app_name = "media"
urlpatterns = [
    path("items/<int:item_pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/preview.jpg", views.preview, name="preview"),
    path("<int:pk>/clear/", views.clear, name="clear"),
]
