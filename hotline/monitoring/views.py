"""Dashboards, exports, the public transparency page, the legal matrix, targets, reports."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import User
from hotline.accounts.rules import role_required
from hotline.audit.actions import record
from hotline.core.middleware import public_page
from hotline.monitoring import actions, charts, figures, indicators, legal_matrix, regions, report
from hotline.monitoring import transparency as public
from hotline.monitoring.exports import csv_response, csv_text, table_csv
from hotline.monitoring.forms import (
    EvidenceForm,
    LegalFactForm,
    LegalImportForm,
    NarrativeForm,
    PeriodForm,
    TargetForm,
    YearForm,
)
from hotline.monitoring.models import LegalFactChange, NationalTarget
from hotline.monitoring.periods import Period
from hotline.monitoring.rules import (
    LEGAL_EDITORS,
    LEGAL_READERS,
    REPORT_EDITORS,
    STATISTICS_READERS,
    TARGET_EDITORS,
    can_edit_legal_matrix,
    can_edit_report,
    can_edit_targets,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    """The period the query string asks for (default: the last twelve months); None when
    the dates given are not valid (the form then carries the errors)."""
    if not any(request.GET.get(name) for name in ("from", "to")):
        return PeriodForm(), Period.last_twelve_months()
    form = PeriodForm(request.GET)
    return form, form.period() if form.is_valid() else None


# --- statistics -----------------------------------------------------------------------------


@role_required(*STATISTICS_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    context: dict[str, object] = {"form": form, "period": period}
    if period is not None:
        context.update({"sections": figures.build_sections(period), "query": period.query()})
    return render(
        request, "monitoring/dashboard.html", context, status=200 if period is not None else 400
    )


@role_required(*STATISTICS_READERS)
def export(request: HttpRequest, key: str) -> HttpResponse:
    if key not in figures.FIGURES:
        raise Http404("no such table")
    form, period = _period(request)
    if period is None:
        errors = "; ".join(
            f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    figure = figures.build(key, period)
    record(
        "monitoring.export",
        actor=_user(request),
        detail={"table": key, "from": period.start, "to": period.end},
    )
    return csv_response(table_csv(figure.table), f"{key}-{period.start}-{period.end}.csv")


# --- public transparency page ---------------------------------------------------------------


@public_page
def transparency(request: HttpRequest) -> HttpResponse:
    """Aggregated yearly figures for the public; small counts suppressed. No login."""
    years = public.published_years()
    form = YearForm(request.GET if "year" in request.GET else None, years=years)
    year = public.default_year(years)
    status = 200
    if form.is_bound:
        if form.is_valid() and form.cleaned_data.get("year"):
            year = int(form.cleaned_data["year"])
        elif not form.is_valid():
            status = 400
    return render(
        request,
        "monitoring/transparency.html",
        {"form": form, "figures": public.public_figures(year), "year": year},
        status=status,
    )


# --- legal matrix ---------------------------------------------------------------------------


def _country_or_404(country: str) -> str:
    if not legal_matrix.is_country(country):
        raise Http404("no such country")
    return country.upper()


@role_required(*LEGAL_READERS)
def legal_matrix_view(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("country", "").strip()
    if wanted:
        if legal_matrix.is_country(wanted):
            return redirect("monitoring:legal_country", country=wanted.upper())
        messages.error(request, _("%(code)s is not an ISO 3166 country code.") % {"code": wanted})
    return render(
        request,
        "monitoring/legal_matrix.html",
        {
            "criteria": legal_matrix.CRITERIA,
            "rows": legal_matrix.matrix(),
            "regions": regions.regions().values(),
            "can_edit": can_edit_legal_matrix(_user(request)),
        },
    )


@role_required(*LEGAL_READERS)
def legal_country(request: HttpRequest, country: str) -> HttpResponse:
    code = _country_or_404(country)
    return render(
        request,
        "monitoring/legal_country.html",
        {
            "law": legal_matrix.country_law(code),
            "regions": regions.regions_of(code),
            "history": LegalFactChange.objects.filter(country=code).select_related("changed_by")[
                :200
            ],
            "can_edit": can_edit_legal_matrix(_user(request)),
        },
    )


@role_required(*LEGAL_EDITORS)
def legal_edit(request: HttpRequest, country: str, key: str) -> HttpResponse:
    code = _country_or_404(country)
    criterion = legal_matrix.BY_KEY.get(key)
    if criterion is None:
        raise Http404("no such criterion")
    current = legal_matrix.country_law(code).cell(key)
    initial = {
        "value": legal_matrix.value_text(current.fact.value),
        "source": current.fact.source,
        "checked_on": current.fact.checked_on or timezone.localdate(),
    }
    form = LegalFactForm(request.POST or None, initial=initial, criterion=criterion)
    if request.method == "POST" and form.is_valid():
        try:
            change = actions.set_legal_fact(
                code,
                key,
                value=form.cleaned_data["value"],
                source=form.cleaned_data.get("source") or "",
                checked_on=form.cleaned_data.get("checked_on"),
                acting_user=_user(request),
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved.") if change else _("Nothing changed."))
            return redirect("monitoring:legal_country", country=code)
    return render(
        request,
        "monitoring/legal_edit.html",
        {
            "form": form,
            "criterion": criterion,
            "law": legal_matrix.country_law(code),
            "cell": current,
        },
    )


@role_required(*LEGAL_READERS)
def legal_export(request: HttpRequest) -> HttpResponse:
    text = csv_text(legal_matrix.CSV_COLUMNS, legal_matrix.export_rows())
    return csv_response(text, "legal-matrix.csv")


@role_required(*LEGAL_EDITORS)
def legal_import(request: HttpRequest) -> HttpResponse:
    form = LegalImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.import_legal_matrix(
                form.cleaned_data["file"], acting_user=_user(request)
            )
        except legal_matrix.MatrixImportError as exc:
            problems = exc.errors
        else:
            messages.success(
                request,
                _("Imported: %(changed)s facts changed, %(unchanged)s unchanged.")
                % {"changed": result.changed, "unchanged": result.unchanged},
            )
            return redirect("monitoring:legal_matrix")
    return render(
        request,
        "monitoring/legal_import.html",
        {
            "form": form,
            "problems": problems,
            "columns": legal_matrix.CSV_COLUMNS,
            "criteria": legal_matrix.CRITERIA,
        },
        status=400 if problems else 200,
    )


@role_required(*LEGAL_READERS)
def gaps(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/gaps.html", {"regions": regions.regions().values()})


def _region_or_404(code: str) -> regions.Region:
    region = regions.region(code)
    if region is None:
        raise Http404("no such region")
    return region


@role_required(*LEGAL_READERS)
def region_gaps(request: HttpRequest, region: str) -> HttpResponse:
    report_ = legal_matrix.region_gaps(_region_or_404(region))
    columns, rows = legal_matrix.gap_rows(report_.countries)
    return render(
        request,
        "monitoring/region_gaps.html",
        {
            "report": report_,
            "criteria": legal_matrix.GAP_CRITERIA,
            "columns": columns,
            "rows": rows,
        },
    )


@role_required(*LEGAL_READERS)
def region_gaps_export(request: HttpRequest, region: str) -> HttpResponse:
    report_ = legal_matrix.region_gaps(_region_or_404(region))
    columns, rows = legal_matrix.gap_rows(report_.countries)
    return csv_response(csv_text(columns, rows), f"legal-gaps-{report_.region.code}.csv")


# --- national targets -----------------------------------------------------------------------


@role_required(*STATISTICS_READERS)
def targets(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    rows = NationalTarget.objects.filter(archived=show_archived)
    return render(
        request,
        "monitoring/targets.html",
        {
            "progress": [indicators.progress(t) for t in rows],
            "show_archived": show_archived,
            "can_edit": can_edit_targets(_user(request)),
        },
    )


@role_required(*STATISTICS_READERS)
def targets_export(request: HttpRequest) -> HttpResponse:
    rows = [
        (
            p.target.title,
            p.description,
            p.target.get_comparison_display(),
            float(p.target.target_value),
            p.target.unit,
            p.target.start_date.isoformat(),
            p.target.deadline.isoformat(),
            p.value,
            p.status_label,
            p.time_elapsed_percent,
            p.measured,
        )
        for p in (indicators.progress(t) for t in NationalTarget.objects.filter(archived=False))
    ]
    columns = (
        _("Target"),
        _("Indicator"),
        _("Comparison"),
        _("Target value"),
        _("Unit"),
        _("Start"),
        _("Deadline"),
        _("Current value"),
        _("Status"),
        _("Time elapsed (%)"),
        _("Measured"),
    )
    return csv_response(csv_text(columns, rows), "national-targets.csv")


def _target_input(form: TargetForm) -> actions.TargetInput:
    data = form.cleaned_data
    return actions.TargetInput(
        title=data["title"],
        description=data.get("description") or "",
        indicator=data["indicator"],
        parameters=data.get("parameters") or {},
        comparison=data["comparison"],
        target_value=data["target_value"],
        unit=data.get("unit") or "",
        start_date=data["start_date"],
        deadline=data["deadline"],
        window_days=data["window_days"],
    )


@role_required(*TARGET_EDITORS)
def target_create(request: HttpRequest) -> HttpResponse:
    form = TargetForm(
        request.POST or None, initial={"window_days": 365, "start_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            target = actions.create_target(_target_input(form), acting_user=_user(request))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Target created."))
            return redirect("monitoring:target", pk=target.pk)
    return render(request, "monitoring/target_form.html", {"form": form, "target": None})


@role_required(*TARGET_EDITORS)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(NationalTarget, pk=pk)
    initial = {
        "title": target.title,
        "description": target.description,
        "indicator": target.indicator,
        "parameters": json.dumps(target.parameters) if target.parameters else "",
        "comparison": target.comparison,
        "target_value": target.target_value,
        "unit": target.unit,
        "start_date": target.start_date,
        "deadline": target.deadline,
        "window_days": target.window_days,
    }
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_target(target, _target_input(form), acting_user=_user(request))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Target saved."))
            return redirect("monitoring:target", pk=target.pk)
    return render(request, "monitoring/target_form.html", {"form": form, "target": target})


@role_required(*STATISTICS_READERS)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(NationalTarget, pk=pk)
    user = _user(request)
    form = EvidenceForm(request.POST or None, initial={"measured_on": timezone.localdate()})
    if request.method == "POST":
        if not can_edit_targets(user):
            return HttpResponse(_("Your role does not let you enter evidence."), status=403)
        if form.is_valid():
            try:
                actions.record_target_evidence(target, acting_user=user, **form.cleaned_data)
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Evidence recorded."))
                return redirect("monitoring:target", pk=target.pk)
    progress = indicators.progress(target)
    return render(
        request,
        "monitoring/target_detail.html",
        {
            "progress": progress,
            "target": target,
            "chart_svg": charts.render(indicators.progress_chart(progress)),
            "evidence": target.evidence.select_related("recorded_by"),
            "form": form,
            "manual": target.indicator == indicators.MANUAL,
            "can_edit": can_edit_targets(user),
        },
    )


@role_required(*TARGET_EDITORS)
@require_POST
def target_archive(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(NationalTarget, pk=pk)
    actions.archive_target(target, archived=not target.archived, acting_user=_user(request))
    messages.success(request, _("Target archived.") if target.archived else _("Target restored."))
    return redirect("monitoring:targets")


# --- annual report --------------------------------------------------------------------------


@role_required(*STATISTICS_READERS)
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/report_index.html", {"years": report.report_years()})


def _year_or_404(year: int) -> int:
    if year not in report.report_years():
        raise Http404("no report for that year")
    return year


@role_required(*STATISTICS_READERS)
def annual_report(request: HttpRequest, year: int) -> HttpResponse:
    context = report.annual_context(_year_or_404(year))
    context["can_edit"] = can_edit_report(_user(request))
    return render(request, "monitoring/report.html", context)


@role_required(*REPORT_EDITORS)
def report_narrative(request: HttpRequest, year: int) -> HttpResponse:
    """The hotline's own sections of the annual report (foreword, outlook...), by its staff."""
    _year_or_404(year)
    saved = report.narrative_texts(year)
    form = NarrativeForm(request.POST or None, initial=saved)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.save_report_narrative(
                year, form.cleaned_data, acting_user=_user(request)
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            if changed:
                messages.success(request, _("The report's texts are saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("monitoring:report", year=year)
    return render(request, "monitoring/report_narrative.html", {"form": form, "year": year})


@role_required(*STATISTICS_READERS)
def annual_report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    context = report.annual_context(_year_or_404(year))
    if not report.pdf_available():
        return HttpResponse(
            _("PDF rendering is not installed on this server (WeasyPrint); the HTML report works."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    pdf = report.render_pdf(context)
    record("monitoring.report_pdf", actor=_user(request), detail={"year": year})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{report.report_filename(year, "pdf")}"'
    )
    return response
