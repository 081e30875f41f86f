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
urlpatterns += [
    path("credentials/", views.credential_list, name="credentials"),
    path("credentials/new/", views.credential_issue, name="credential_issue"),
    path("credentials/<int:pk>/", views.credential_detail, name="credential"),
    path("credentials/<int:pk>/rotate/", views.credential_rotate, name="credential_rotate"),
    path("credentials/<int:pk>/revoke/", views.credential_revoke, name="credential_revoke"),
]
