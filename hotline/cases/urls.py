from __future__ import annotations

from django.urls import path

from hotline.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.next_item, name="next"),
    path("known/confirm/", views.confirm_known, name="confirm_known"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/claim/", views.claim, name="claim"),
    path("items/<int:pk>/release/", views.release, name="release"),
    path(
        "items/<int:pk>/confirm/<int:assessment_pk>/", views.confirm_earlier, name="confirm_earlier"
    ),
    path("confirmations/", views.confirmations, name="confirmations"),
    path("confirmations/<int:assessment_pk>/", views.confirm, name="confirm"),
]
