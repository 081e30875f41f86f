"""Pages of the tourism app: the public report form and members page, and the staff pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hotline.accounts.models import User
from hotline.accounts.rules import rule_required
from hotline.accounts.throttle import client_fingerprint, hit_rate_limit
from hotline.audit.actions import record
from hotline.core.middleware import public_page
from hotline.routing import actions as routing_actions
from hotline.routing.legal import (
    DUAL_CRIMINALITY,
    EXTRADITION,
    EXTRATERRITORIAL,
    LABELS,
    LegalFact,
    facts_for,
)
from hotline.routing.models import Ground, ReferralStatus
from hotline.tourism import actions, queries
from hotline.tourism.actions import CompanyInput, TravelReportInput
from hotline.tourism.countries import country_name
from hotline.tourism.forms import (
    AnnualReportForm,
    CloseForm,
    CompanyForm,
    CompanyLinkForm,
    LinkCaseForm,
    NoticeForm,
    OutcomeForm,
    ReferForm,
    TravelReportForm,
)
from hotline.tourism.models import (
    CaseLink,
    Company,
    CompanyNotice,
    LinkBasis,
    NoticeStatus,
    TravelReport,
)
from hotline.tourism.package_labels import labelled, venue_label
from hotline.tourism.packages import travel_package
from hotline.tourism.planning import plan_referrals
from hotline.tourism.rules import (
    handles_travel_cases,
    keeps_code_registry,
    reads_company_registry,
    sees_statistics,
    sees_travel_referrals,
    tourism_navigation,
)

FACT_KEYS = (EXTRATERRITORIAL, DUAL_CRIMINALITY, EXTRADITION)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _staff_render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    context["tourism_nav"] = tourism_navigation(_user(request))
    return render(request, template, context, status=status)


def _facts(country: str) -> list[dict[str, Any]]:
    """Legal facts as the templates show them: unknown when no source is recorded."""
    rows = []
    fact: LegalFact
    for fact in facts_for(country, FACT_KEYS):
        rows.append(
            {
                "key": fact.key,
                "label": LABELS.get(fact.key, fact.key),
                "known": fact.known,
                "value": fact.value,
                "source": fact.source,
                "checked_on": fact.checked_on,
            }
        )
    return rows


# --- public ---------------------------------------------------------------------------------


def _rate_limited(request: HttpRequest) -> bool:
    # Keyed on a salted, daily-rotating hash of the address, kept only in the cache.
    limit = settings.TOURISM_REPORTS_PER_HOUR
    key = f"rate:travel-report:{client_fingerprint(request, purpose='travel-report')}"
    return hit_rate_limit(key, limit=limit, window_seconds=3600)


def _report_input(data: dict[str, Any]) -> TravelReportInput:
    point = data["map_point"]
    return TravelReportInput(
        country=data["country"],
        city=data["city"],
        venue_type=data["venue_type"],
        venue_name=data["venue_name"],
        address=data["address"],
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        occurred_on=data["occurred_on"],
        occurred_time=data["occurred_time"],
        time_zone=data["time_zone"],
        observed=data["observed"],
        suspect_name=data["suspect_name"],
        suspect_description=data["suspect_description"],
        suspect_nationality=data["suspect_nationality"],
        suspect_languages=data["suspect_languages"],
        suspect_vehicle=data["suspect_vehicle"],
        suspect_plate=data["suspect_plate"],
        suspect_lodging=data["suspect_lodging"],
        company_involved=data["company_involved"],
        children_count=data["children_count"],
        child_age=data["child_age"],
        child_gender=data["child_gender"],
        child_description=data["child_description"],
        other_witnesses=data["other_witnesses"],
        holds_photos=data["holds_photos"],
        child_in_danger=data["child_in_danger"],
        reporter_country=data["reporter_country"],
        contact=data["contact"],
        consent_to_contact=data["consent_to_contact"],
        consent_to_share_identity=data["consent_to_share_identity"],
        willing_to_give_statement=data["willing_to_give_statement"],
        language=get_language() or "",
    )


@public_page
@never_cache
def report(request: HttpRequest) -> HttpResponse:
    """The public travel-and-tourism report form. Works without JavaScript; stores no IP address."""
    form = TravelReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            form.add_error(
                None,
                _(
                    "Too many reports from your connection in the last hour. Please try again later; nothing was stored."
                ),
            )
        else:
            filed = actions.file_travel_report(_report_input(form.cleaned_data), actor=None)
            country = filed.travel.country
            return render(
                request,
                "tourism/receipt.html",
                {
                    "report": filed.report,
                    "secret": filed.secret,
                    "country_name": country_name(country),
                    "emergency": queries.emergency_for(country),
                },
            )
    return render(
        request,
        "tourism/report.html",
        {
            "form": form,
            "emergency_numbers": queries.emergency_numbers(),
        },
    )


@public_page
def code_members(request: HttpRequest) -> HttpResponse:
    """Public list of The Code's members in good standing."""
    members = queries.members_in_good_standing()
    return render(
        request,
        "tourism/code_members.html",
        {"members": [(m, country_name(m.country)) for m in members]},
    )


# --- travel cases ---------------------------------------------------------------------------


@rule_required(handles_travel_cases)
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    cases = list(queries.case_list(user)[:300])
    record("travel_cases.view", actor=user, detail={"shown": len(cases)})
    return _staff_render(request, "tourism/cases.html", {"cases": cases})


def _case_post(
    request: HttpRequest, travel: TravelReport, forms: dict[str, Any]
) -> HttpResponse | None:
    """Carry out one case action; a redirect on success, None to show the page with errors."""
    user = _user(request)
    action = request.POST.get("action", "")
    done = redirect("tourism:case", pk=travel.pk)
    try:
        if action == "refer" and forms["refer"].is_valid():
            sent = actions.send_referrals(
                travel, keys=forms["refer"].cleaned_data["referrals"], acting_user=user
            )
            messages.success(
                request,
                ngettext("%(n)d referral created.", "%(n)d referrals created.", len(sent))
                % {"n": len(sent)},
            )
            return done
        if action == "handover":
            referral = get_object_or_404(travel.referrals, pk=request.POST.get("referral"))
            routing_actions.mark_handed_over(referral, acting_user=user)
            messages.success(request, _("Marked as handed over."))
            return done
        if action == "link" and forms["link"].is_valid():
            data = forms["link"].cleaned_data
            other = (
                queries.visible_travel_reports(user).filter(report__reference=data["other"]).first()
            )
            if other is None:
                forms["link"].add_error("other", _("No travel report has this reference."))
                return None
            actions.link_cases(
                travel, other, basis=data["basis"], reason=data["reason"], acting_user=user
            )
            messages.success(request, _("Reports linked."))
            return done
        if action == "unlink":
            link = get_object_or_404(
                CaseLink.objects.filter(first=travel) | CaseLink.objects.filter(second=travel),
                pk=request.POST.get("link"),
            )
            actions.unlink_cases(link, acting_user=user)
            messages.success(request, _("Link removed."))
            return done
        if action == "company" and forms["company"].is_valid():
            data = forms["company"].cleaned_data
            actions.link_company(travel, data["company"], note=data["note"], acting_user=user)
            messages.success(request, _("Company linked."))
            return done
        if action == "notice" and forms["notice"].is_valid():
            data = forms["notice"].cleaned_data
            actions.draft_company_notice(
                travel, data["company"], text=data["text"], acting_user=user
            )
            messages.success(request, _("Notice drafted: it waits for police clearance."))
            return done
        if action == "close" and forms["close"].is_valid():
            actions.close_case(
                travel, reason=forms["close"].cleaned_data["reason"], acting_user=user
            )
            messages.success(request, _("Case closed."))
            return done
    except ValueError as exc:
        messages.error(request, str(exc))
        return done
    return None


@rule_required(handles_travel_cases)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    travel = get_object_or_404(queries.visible_travel_reports(user), pk=pk)
    referrals = list(travel.referrals.select_related("police_unit", "partner__organisation"))
    referred = {(r.destination, r.country) for r in referrals}
    pending = [p for p in plan_referrals(travel) if (p.destination, p.country) not in referred]
    linked_companies = Company.objects.filter(travel_links__travel_report=travel)
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if post else None

    def bound(name: str) -> Any:
        return post if action == name else None

    forms: dict[str, Any] = {
        "refer": ReferForm(
            bound("refer"),
            prefix="refer",
            choices=[(p.key, f"{p.kind_label} ({country_name(p.country)})") for p in pending],
        ),
        "link": LinkCaseForm(bound("link"), prefix="link"),
        "company": CompanyLinkForm(bound("company"), prefix="company"),
        "notice": NoticeForm(bound("notice"), prefix="notice", companies=linked_companies),
        "close": CloseForm(bound("close"), prefix="close"),
    }
    if post is not None:
        response = _case_post(request, travel, forms)
        if response is not None:
            return response
    refer_form = forms["refer"]
    checked = (
        set(refer_form.data.getlist("refer-referrals"))
        if refer_form.is_bound
        else {p.key for p in pending}
    )
    record("travel_report.view", actor=user, obj=travel)
    return _staff_render(
        request,
        "tourism/case.html",
        {
            "travel": travel,
            "report": travel.report,
            "country_name": country_name(travel.country),
            "suspect_nationality_name": country_name(travel.suspect_nationality)
            if travel.suspect_nationality
            else "",
            "reporter_country_name": country_name(travel.reporter_country)
            if travel.reporter_country
            else "",
            "pending": [
                (p, _facts(p.country), country_name(p.country), p.key in checked) for p in pending
            ],
            "fact_labels": [LABELS[key] for key in FACT_KEYS],
            "referrals": [(r, _facts(r.country), country_name(r.country)) for r in referrals],
            "linked": queries.linked_cases(travel),
            "suggestions": [
                (s.travel_report, [LinkBasis(b).label for b in s.bases])
                for s in queries.link_suggestions(travel)
            ],
            "company_links": travel.company_links.select_related("company", "confirmed_by"),
            "company_suggestions": queries.company_suggestions(travel),
            "notices": travel.company_notices.select_related("company"),
            "forms": forms,
            "emergency": queries.emergency_for(travel.country),
        },
    )


# --- referrals and outcomes -----------------------------------------------------------------


@rule_required(sees_travel_referrals)
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    referrals = list(queries.visible_travel_referrals(user).order_by("-created_at", "-pk")[:300])
    record("travel_referrals.view", actor=user, detail={"shown": len(referrals)})
    return _staff_render(request, "tourism/referrals.html", {"referrals": referrals})


@rule_required(sees_travel_referrals)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    referral = get_object_or_404(queries.visible_travel_referrals(user), pk=pk)
    form = OutcomeForm(
        request.POST if request.POST.get("action") == "outcome" else None, prefix="outcome"
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "outcome" and form.is_valid():
                routing_actions.record_outcome(referral, acting_user=user, **form.cleaned_data)
                messages.success(request, _("Outcome recorded."))
                return redirect("tourism:referral", pk=pk)
            if request.POST.get("action") == "handover":
                routing_actions.mark_handed_over(referral, acting_user=user)
                messages.success(request, _("Marked as handed over."))
                return redirect("tourism:referral", pk=pk)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("tourism:referral", pk=pk)
    record("travel_referral.view", actor=user, obj=referral)
    package = travel_package(referral)
    return _staff_render(
        request,
        "tourism/referral.html",
        {
            "referral": referral,
            "package": package,
            "suspect_rows": labelled("suspect", package["suspect"]),
            "children_rows": labelled("children", package["children"]),
            "venue": venue_label(package["where"]["venue_type"]),
            "place_country": country_name(package["where"]["country"]),
            "facts": _facts(referral.country),
            "country_name": country_name(referral.country),
            "form": form,
            "can_record": not referral.concluded,
            "can_open_case": handles_travel_cases(user),
            "notices": queries.visible_notices(user).filter(travel_report__report=referral.report),
            "queued": referral.status == ReferralStatus.QUEUED,
        },
    )


@rule_required(sees_travel_referrals)
def notice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notices = list(queries.visible_notices(user).order_by("status", "-drafted_at")[:300])
    return _staff_render(request, "tourism/notices.html", {"notices": notices})


@rule_required(sees_travel_referrals)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice: CompanyNotice = get_object_or_404(queries.visible_notices(user), pk=pk)
    may_clear = queries.can_clear(user, notice) and notice.status == NoticeStatus.HELD
    may_cancel = handles_travel_cases(user) and notice.status == NoticeStatus.HELD
    if request.method == "POST":
        action = request.POST.get("action")
        if (action == "clear" and not may_clear) or (action == "cancel" and not may_cancel):
            raise PermissionDenied("You cannot do this to this notice.")
        try:
            if action == "clear":
                actions.clear_company_notice(notice, acting_user=user)
                messages.success(request, _("Notice cleared: it goes out now."))
            elif action == "cancel":
                actions.cancel_company_notice(notice, acting_user=user)
                messages.success(request, _("Notice cancelled."))
        except ValueError as exc:
            messages.error(request, str(exc))
        return redirect("tourism:notice", pk=pk)
    record("company_notice.view", actor=user, obj=notice)
    return _staff_render(
        request,
        "tourism/notice.html",
        {"notice": notice, "may_clear": may_clear, "may_cancel": may_cancel},
    )


# --- statistics -----------------------------------------------------------------------------


@rule_required(sees_statistics)
def statistics(request: HttpRequest) -> HttpResponse:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year)
    period = queries.Period.year(year)
    outcomes = queries.outcome_counts(period)
    sent = queries.referrals_sent(period)
    return _staff_render(
        request,
        "tourism/statistics.html",
        {
            "year": year,
            "years": list(range(this_year, max(1999, this_year - 10), -1)),
            "outcomes": [(key, ReferralStatus(key).label, outcomes[key]) for key in outcomes],
            "sent": [(key, Ground(key).label, n) for key, n in sent.items()],
            "received": queries.travel_reports_received(period),
            "awaiting_follow_up": queries.referrals_awaiting_follow_up(),
            "code": queries.code_counts(),
        },
    )


# --- companies and The Code -----------------------------------------------------------------


def _company_input(data: dict[str, Any]) -> CompanyInput:
    return CompanyInput(
        name=data["name"],
        kind=data["kind"],
        country=data["country"],
        website=data["website"],
        contact_email=data["contact_email"],
        code_member=data["code_member"],
        member_since=data["member_since"],
    )


@rule_required(reads_company_registry)
def company_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    companies: QuerySet[Company] = Company.objects.prefetch_related("annual_reports")
    today = timezone.localdate()
    rows = [
        (
            c,
            country_name(c.country),
            queries.is_overdue(c, today),
            queries.in_good_standing(c, today),
        )
        for c in companies
    ]
    return _staff_render(
        request,
        "tourism/companies.html",
        {"rows": rows, "can_edit": keeps_code_registry(user)},
    )


@rule_required(keeps_code_registry)
def company_new(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company = actions.save_company(
            _company_input(form.cleaned_data), acting_user=_user(request)
        )
        messages.success(request, _("Company added."))
        return redirect("tourism:company", pk=company.pk)
    return _staff_render(request, "tourism/company_form.html", {"form": form})


@rule_required(reads_company_registry)
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    company = get_object_or_404(Company, pk=pk)
    can_edit = keeps_code_registry(user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only Code monitors change the registry.")
    form = CompanyForm(request.POST or None, instance=company) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        # the form validated a copy of the instance; the action writes the change
        company = Company.objects.get(pk=pk)
        actions.save_company(_company_input(form.cleaned_data), company=company, acting_user=user)
        messages.success(request, _("Company saved."))
        return redirect("tourism:company", pk=pk)
    reports = company.annual_reports.prefetch_related("criteria")
    return _staff_render(
        request,
        "tourism/company.html",
        {
            "company": company,
            "country_name": country_name(company.country),
            "form": form,
            "can_edit": can_edit,
            "reports": reports,
            "overdue": queries.is_overdue(company),
            "due_year": queries.due_report_year(company, timezone.localdate()),
            "good_standing": queries.in_good_standing(company),
            "travel_links": company.travel_links.select_related("travel_report__report")
            if handles_travel_cases(user)
            else None,
            "travel_link_count": company.travel_links.count(),
        },
    )


@rule_required(keeps_code_registry)
def annual_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    company = get_object_or_404(Company, pk=pk, code_member=True)
    default_year = timezone.localdate().year - 1
    try:
        year = int(request.GET.get("year", default_year))
    except ValueError:
        year = default_year
    existing = company.annual_reports.filter(year=year).prefetch_related("criteria").first()
    initial: dict[str, Any] = {"year": year, "received_on": timezone.localdate()}
    if existing is not None:
        initial["received_on"] = existing.received_on
        for c in existing.criteria.all():
            initial[f"{c.criterion}_status"] = c.status
            initial[f"{c.criterion}_evidence"] = c.evidence
    form = AnnualReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.record_annual_report(
            company,
            year=form.cleaned_data["year"],
            received_on=form.cleaned_data["received_on"],
            criteria=form.criteria(),
            acting_user=user,
        )
        messages.success(request, _("Annual report saved."))
        return redirect("tourism:company", pk=pk)
    return _staff_render(
        request,
        "tourism/annual_report.html",
        {"company": company, "form": form, "year": year, "existing": existing},
    )
