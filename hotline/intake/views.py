"""Public pages: report forms, receipts and the status page. No IP address or user agent is stored."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hotline.accounts.throttle import client_fingerprint, hit_rate_limit
from hotline.audit.actions import record
from hotline.cases.actions import ReportInput, check_receipt, file_report
from hotline.cases.models import Channel, Concern, ReportStatus
from hotline.core.emergency import home_number
from hotline.core.middleware import public_page
from hotline.intake.forms import OnlineReportForm, ReceiptForm
from hotline.intake.help import SEXTORTION_ADVICE, resources_for

STATUS_EXPLANATIONS = {
    "received": gettext_lazy("We have received your report. An analyst will look at it."),
    "assessed": gettext_lazy("An analyst has assessed your report."),
    "action_taken": gettext_lazy(
        "We have acted on your report: it was passed to the police, a partner or the hosting provider."
    ),
    "closed": gettext_lazy("Your report is closed. Thank you for reporting."),
}


def _rate_limited(request: HttpRequest, purpose: str, limit: int) -> bool:
    # Keyed on a salted, daily-rotating hash of the address, kept only in the cache.
    key = f"rate:{purpose}:{client_fingerprint(request, purpose=purpose)}"
    return hit_rate_limit(key, limit=limit, window_seconds=3600)


@public_page
@never_cache
def report_online(request: HttpRequest) -> HttpResponse:
    form = OnlineReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request, "report", settings.INTAKE_REPORTS_PER_HOUR):
            form.add_error(
                None,
                _(
                    "Too many reports from your connection in the last hour. Please try again later; nothing was stored."
                ),
            )
        else:
            data = form.cleaned_data
            filed = file_report(
                ReportInput(
                    channel=Channel.PUBLIC_WEB,
                    concern=data["concern"],
                    urls=data["urls"],
                    where_found=data["where_found"],
                    description=data["description"],
                    child_in_danger=data["child_in_danger"],
                    contact=data["contact"],
                    consent_to_contact=data["consent_to_contact"],
                    language=get_language() or "",
                ),
                actor=None,
            )
            concern = data["concern"]
            return render(
                request,
                "intake/receipt.html",
                {
                    "report": filed.report,
                    "secret": filed.secret,
                    "emergency_number": home_number(),
                    "help_resources": resources_for(concern),
                    "sextortion_advice": SEXTORTION_ADVICE if concern == Concern.SEXTORTION else (),
                    "statuses": _status_meanings(),
                },
            )
    return render(
        request,
        "intake/report_online.html",
        {"form": form, "emergency_number": home_number()},
    )


def _status_meanings() -> list[tuple[str, str]]:
    """(status name, what it means) in the order a report goes through them."""
    return [(str(s.label), str(STATUS_EXPLANATIONS[s.value])) for s in ReportStatus]


@public_page
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request, "status", settings.INTAKE_STATUS_CHECKS_PER_HOUR):
            form.add_error(
                None, _("Too many attempts from your connection. Please try again in an hour.")
            )
        else:
            report = check_receipt(form.cleaned_data["reference"], form.cleaned_data["secret"])
            if report is None:
                form.add_error(
                    None, _("No report matches this reference and code. Check both and try again.")
                )
            else:
                record("report.status_public", actor=None, obj=report)
    return render(
        request,
        "intake/status.html",
        {
            "form": form,
            "report": report,
            "explanation": STATUS_EXPLANATIONS.get(report.status, "") if report else "",
            "help_resources": resources_for(report.concern) if report else [],
        },
    )


@public_page
def privacy(request: HttpRequest) -> HttpResponse:
    """What this instance keeps about a reporter, and for how long (the settings in force)."""
    return render(
        request,
        "intake/privacy.html",
        {
            "contact_days": settings.RETENTION_CONTACT_DAYS,
            "report_days": settings.RETENTION_REPORT_DAYS,
        },
    )
