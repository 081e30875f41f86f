from __future__ import annotations

from django.urls import path

from hotline.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/setup/", views.totp_setup, name="totp_setup"),
    path("2fa/verify/", views.totp_verify, name="totp_verify"),
]
