from __future__ import annotations

from django.urls import path

from hotline.routing import views

app_name = "routing"
urlpatterns = [
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("rules/", views.rules, name="rules"),
    path("items/<int:item_pk>/override/", views.override, name="override"),
]
urlpatterns += [
    path("partners/", views.partner_list, name="partners"),
    path("partners/new/", views.partner_add, name="partner_add"),
    path("partners/<int:pk>/", views.partner_detail, name="partner"),
    path("partners/<int:pk>/ping/", views.partner_ping, name="partner_ping"),
    path("partners/<int:pk>/key/", views.partner_replace_key, name="partner_replace_key"),
    path("partners/<int:pk>/key/retire/", views.partner_retire_key, name="partner_retire_key"),
    path("partners/<int:pk>/state/", views.partner_state, name="partner_state"),
]
