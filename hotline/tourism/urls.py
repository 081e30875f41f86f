"""Staff and public pages of the tourism app (mounted in hotline/site/urls.py at /travel/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.tourism import views

app_name = "tourism"
urlpatterns: list[URLPattern | URLResolver] = [
    # public
    path("report/", views.report, name="report"),
    path("the-code/members/", views.code_members, name="code_members"),
    # staff: cases, referrals and outcomes, notices to companies
    path("staff/", views.case_list, name="cases"),
    path("staff/cases/<int:pk>/", views.case_detail, name="case"),
    path("staff/referrals/", views.referral_list, name="referrals"),
    path("staff/referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("staff/notices/", views.notice_list, name="notices"),
    path("staff/notices/<int:pk>/", views.notice_detail, name="notice"),
    path("staff/statistics/", views.statistics, name="statistics"),
    # staff: the registry of companies and The Code
    path("staff/companies/", views.company_list, name="companies"),
    path("staff/companies/new/", views.company_new, name="company_new"),
    path("staff/companies/<int:pk>/", views.company_detail, name="company"),
    path("staff/companies/<int:pk>/annual-report/", views.annual_report, name="annual_report"),
]
